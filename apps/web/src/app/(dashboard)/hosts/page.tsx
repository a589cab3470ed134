"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { ago, Badge, Field, FormError, invalid } from "@/components/forms";
import { errorMessage, useTRPC } from "@/trpc/client";
import { EmptyRow, THead } from "@/components/ui/table";

type THealthInfo = {
  ok?: boolean;
  version?: string;
  os?: string;
  arch?: string;
  ncpu?: number;
  memBytes?: number;
  images?: number;
  containers?: number;
  containersRunning?: number;
  latencyMs?: number;
  gpus?: { count: number | null; nvidiaRuntime: boolean; inUse: number };
};

const gib = (b?: number) => (b ? `${(b / 1024 ** 3).toFixed(1)} GiB` : "?");

function HealthSummary({ info }: { info: unknown }) {
  const i = (info ?? {}) as THealthInfo;
  if (!i.version) return <span className="muted small">no report yet</span>;
  const gpus = i.gpus ? (i.gpus.count ?? (i.gpus.nvidiaRuntime ? "nvidia runtime" : 0)) : 0;
  return (
    <span className="small">
      Docker {i.version} · {i.os}/{i.arch} · {i.ncpu} CPU · {gib(i.memBytes)} · GPUs {String(gpus)} ·{" "}
      {i.images} images · {i.containersRunning}/{i.containers} containers running
    </span>
  );
}

function RegisterHost({ onDone }: { onDone: () => void }) {
  const trpc = useTRPC();
  const [type, setType] = useState<"unix" | "tcp" | "ssh">("unix");
  const register = useMutation(trpc.hosts.register.mutationOptions({ onSuccess: onDone }));
  const err = register.error;

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const s = (k: string) => String(f.get(k) ?? "").trim();
    const opt = (k: string) => s(k) || undefined;
    const port = (k: string, d: number) => (s(k) ? Number(s(k)) : d);
    const connection =
      type === "unix"
        ? { type, socketPath: s("socketPath") }
        : type === "tcp"
          ? {
              type,
              host: s("host"),
              port: port("port", 2376),
              tls: { ca: opt("ca"), cert: opt("cert"), key: opt("key") },
            }
          : {
              type,
              host: s("host"),
              port: port("port", 22),
              username: s("username"),
              privateKey: opt("privateKey"),
              passphrase: opt("passphrase"),
              password: opt("password"),
            };
    register.mutate(
      { name: s("name"), connection },
      { onSuccess: () => (e.target as HTMLFormElement).reset() },
    );
  }

  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      <Field label="Name" name="name" error={err}>
        <input name="name" placeholder="gpu-box-1" aria-invalid={invalid(err, "name")} />
      </Field>
      <label>
        Connection
        <select value={type} onChange={(e) => setType(e.target.value as typeof type)} name="type">
          <option value="unix">Unix socket (this machine)</option>
          <option value="tcp">TCP (+ TLS)</option>
          <option value="ssh">SSH</option>
        </select>
      </label>
      {type === "unix" && (
        <Field label="Socket path" name="connection.socketPath" error={err}>
          <input
            name="socketPath"
            defaultValue="/var/run/docker.sock"
            aria-invalid={invalid(err, "connection.socketPath")}
          />
        </Field>
      )}
      {type !== "unix" && (
        <div className="row">
          <Field label="Host" name="connection.host" error={err}>
            <input name="host" placeholder="10.0.0.12" aria-invalid={invalid(err, "connection.host")} />
          </Field>
          <Field label="Port" name="connection.port" error={err}>
            <input
              name="port"
              inputMode="numeric"
              placeholder={type === "tcp" ? "2376" : "22"}
              aria-invalid={invalid(err, "connection.port")}
            />
          </Field>
        </div>
      )}
      {type === "tcp" && (
        <>
          <Field label="CA certificate (PEM, optional)" name="connection.tls.ca" error={err}>
            <textarea name="ca" rows={2} aria-invalid={invalid(err, "connection.tls.ca")} />
          </Field>
          <Field label="Client certificate (PEM)" name="connection.tls.cert" error={err}>
            <textarea name="cert" rows={2} aria-invalid={invalid(err, "connection.tls.cert")} />
          </Field>
          <Field label="Client key (PEM)" name="connection.tls.key" error={err}>
            <textarea name="key" rows={2} aria-invalid={invalid(err, "connection.tls.key")} />
          </Field>
        </>
      )}
      {type === "ssh" && (
        <>
          <Field label="Username" name="connection.username" error={err}>
            <input name="username" aria-invalid={invalid(err, "connection.username")} />
          </Field>
          <Field label="Private key (PEM)" name="connection.privateKey" error={err}>
            <textarea name="privateKey" rows={3} aria-invalid={invalid(err, "connection.privateKey")} />
          </Field>
          <Field label="Key passphrase (optional)" name="connection.passphrase" error={err}>
            <input name="passphrase" type="password" autoComplete="off" />
          </Field>
          <Field label="…or password" name="connection.password" error={err}>
            <input name="password" type="password" autoComplete="off" />
          </Field>
        </>
      )}
      <p className="muted small">Credentials are encrypted at rest (AES-256-GCM).</p>
      <FormError error={err} fields={["name", "connection"]} />
      <div>
        <button className="primary" type="submit" disabled={register.isPending}>
          Register host
        </button>
      </div>
    </form>
  );
}

function Containers({ hostId }: { hostId: string }) {
  const trpc = useTRPC();
  const [selected, setSelected] = useState<string | null>(null);
  const containers = useQuery(trpc.hosts.containers.queryOptions({ id: hostId, all: true }));
  const logs = useQuery({
    ...trpc.hosts.containerLogs.queryOptions({ id: hostId, containerId: selected ?? "x", tail: 200 }),
    enabled: Boolean(selected),
  });
  return (
    <div className="panel" data-testid="containers">
      <div className="row">
        <h2>Containers</h2>
        <span className="spacer" />
        <button type="button" onClick={() => containers.refetch()}>
          Refresh
        </button>
      </div>
      {containers.error && <div className="alert error">{errorMessage(containers.error)}</div>}
      {containers.isLoading && <p className="muted">Loading…</p>}
      <table>
        <THead columns={["Name", "Image", "State", "Status", "Ports"]} />
        <tbody>
          {containers.data?.map((c) => (
            <tr key={c.id} className={selected === c.id ? "selected" : ""}>
              <td>
                <button type="button" className="linklike" onClick={() => setSelected(c.id)}>
                  {c.name}
                </button>
              </td>
              <td className="mono small">{c.image}</td>
              <td>
                <Badge value={c.state} kind={c.state === "running" ? "ok" : "warn"} />
              </td>
              <td className="small">{c.status}</td>
              <td className="small mono">
                {c.ports
                  .map((p) => `${p.publicPort ?? ""}${p.publicPort ? "→" : ""}${p.privatePort}/${p.type}`)
                  .join(" ")}
              </td>
            </tr>
          ))}
          {containers.data?.length === 0 && <EmptyRow span={5}>No containers on this host.</EmptyRow>}
        </tbody>
      </table>
      {selected && (
        <div id="logs" style={{ marginTop: 12 }}>
          <div className="row">
            <h2>Logs (last 200 lines)</h2>
            <span className="spacer" />
            <button type="button" onClick={() => logs.refetch()}>
              Refresh
            </button>
          </div>
          {logs.error && <div className="alert error">{errorMessage(logs.error)}</div>}
          <pre className="logs">
            {logs.data?.lines.map((l, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: log lines have no identity
              <div key={i} className={l.stream === "stderr" ? "warn" : ""}>
                {l.text}
              </div>
            ))}
            {logs.data?.lines.length === 0 && "(no output)"}
          </pre>
        </div>
      )}
    </div>
  );
}

export default function HostsPage() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const hosts = useQuery({ ...trpc.hosts.list.queryOptions(), refetchInterval: 3000 });
  const [selected, setSelected] = useState<string | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.hosts.list.queryKey() });
  const check = useMutation(trpc.hosts.checkNow.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.hosts.remove.mutationOptions({ onSuccess: refresh }));
  const me = useQuery(trpc.org.get.queryOptions());
  const isAdmin = me.data?.role === "owner" || me.data?.role === "admin";

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Hosts</h1>
          <p className="sub">
            Docker engines the control plane builds and deploys on. Health is checked every minute and on
            demand.
          </p>
        </div>
      </div>
      <div className="panel">
        {(hosts.error || check.error || remove.error) && (
          <div className="alert error">{errorMessage(hosts.error ?? check.error ?? remove.error)}</div>
        )}
        <table data-testid="hosts-table">
          <THead columns={["Name", "Endpoint", "Health", "Report", "Checked", ""]} />
          <tbody>
            {hosts.data?.map((h) => (
              <tr key={h.id} data-host={h.name} className={selected === h.id ? "selected" : ""}>
                <td>
                  <strong>{h.name}</strong>
                </td>
                <td className="mono small">{h.endpoint}</td>
                <td>
                  <Badge value={h.status} />
                </td>
                <td>
                  <HealthSummary info={h.info} />
                  {h.lastError && h.status !== "healthy" && <div className="field-error">{h.lastError}</div>}
                </td>
                <td className="small">{ago(h.lastCheckedAt)}</td>
                <td>
                  <div className="row nowrap">
                    <button
                      type="button"
                      disabled={check.isPending}
                      onClick={() => check.mutate({ id: h.id })}
                    >
                      Check now
                    </button>
                    <button type="button" onClick={() => setSelected(selected === h.id ? null : h.id)}>
                      Containers
                    </button>
                    {isAdmin && (
                      <button
                        type="button"
                        className="danger"
                        onClick={() => confirm(`Remove host ${h.name}?`) && remove.mutate({ id: h.id })}
                      >
                        Remove
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            ))}
            {hosts.data?.length === 0 && <EmptyRow span={6}>No hosts yet. Register one below.</EmptyRow>}
          </tbody>
        </table>
      </div>
      {selected && <Containers hostId={selected} />}
      {isAdmin && (
        <div className="panel">
          <h2>Register a Docker host</h2>
          <RegisterHost onDone={refresh} />
        </div>
      )}
    </>
  );
}
