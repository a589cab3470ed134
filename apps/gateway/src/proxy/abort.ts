type TFn = () => void;

/**
 * The smallest abort signal undici accepts (EventEmitter-style `once`/`removeListener`): an
 * AbortController per request showed up in profiles, this does not.
 */
export class ClientGone {
  aborted = false;
  reason: Error | undefined;
  private fns: TFn[] = [];

  on(_event: string, fn: TFn): this {
    this.fns.push(fn);
    return this;
  }

  once(event: string, fn: TFn): this {
    return this.on(event, fn);
  }

  removeListener(_event: string, fn: TFn): this {
    const i = this.fns.indexOf(fn);
    if (i >= 0) this.fns.splice(i, 1);
    return this;
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = new Error("client closed the connection");
    const fns = this.fns;
    this.fns = [];
    for (const f of fns) f();
  }
}
