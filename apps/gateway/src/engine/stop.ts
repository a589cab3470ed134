// Decides how much of the generated text may be sent so far: text that could still turn out to be the
// start of a stop sequence (or an incomplete UTF-8 character) is held back until the next token shows.

export interface TStopScan {
  /** Text up to this index is final and can be sent. */
  safeEnd: number;
  /** Set when a stop sequence occurs: the answer ends here (the stop text itself is not returned). */
  stopAt?: number;
}

export function scanForStop(text: string, stops: readonly string[], from = 0): TStopScan {
  let stopAt: number | undefined;
  for (const s of stops) {
    // A stop sequence can straddle already-sent text by at most its length - 1 characters.
    const i = text.indexOf(s, Math.max(0, from - s.length + 1));
    if (i >= 0 && (stopAt === undefined || i < stopAt)) stopAt = i;
  }
  if (stopAt !== undefined) return { safeEnd: stopAt, stopAt };
  let safeEnd = text.length;
  // U+FFFD at the end is a partly decoded multi-byte character; wait for the rest of its bytes.
  while (safeEnd > from && text.charCodeAt(safeEnd - 1) === 0xfffd) safeEnd--;
  for (const s of stops) {
    for (let k = Math.min(s.length - 1, text.length); k > 0; k--) {
      if (text.endsWith(s.slice(0, k))) {
        safeEnd = Math.min(safeEnd, text.length - k);
        break;
      }
    }
  }
  return { safeEnd: Math.max(safeEnd, from) };
}
