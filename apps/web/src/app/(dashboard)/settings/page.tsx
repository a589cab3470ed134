"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { ago, Field, FormError, invalid } from "@/components/forms";
import { errorMessage, useTRPC } from "@/trpc/client";
import { EmptyRow, THead } from "@/components/ui/table";

const ROLES = ["owner", "admin", "member", "viewer"] as const;
type TRole = (typeof ROLES)[number];

const POLICIES = [
  ["allowLoopbackUpstreams", "Allow loopback upstreams (127.0.0.0/8, ::1)"],
  [
    "allowPrivateUpstreams",
    "Allow private and link-local upstreams (10/8, 172.16/12, 192.168/16, fe80::/10)",
  ],
  ["logPrompts", "Keep prompt text in logs"],
  ["requireSignedModels", "Refuse to deploy unsigned models"],
] as const;

function OrgSettings() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const org = useQuery(trpc.org.get.queryOptions());
  const update = useMutation(
    trpc.org.update.mutationOptions({
      onSuccess: () => qc.invalidateQueries({ queryKey: trpc.org.get.queryKey() }),
    }),
  );
  const canEdit = org.data?.role === "owner" || org.data?.role === "admin";
  if (!org.data) return <div className="panel">{org.error ? errorMessage(org.error) : "Loading…"}</div>;
  const o = org.data;

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const num = (k: string) => {
      const v = String(f.get(k) ?? "").trim();
      return v === "" ? null : Number(v);
    };
    update.mutate({
      name: String(f.get("name") ?? ""),
      rpmLimit: num("rpmLimit"),
      tpmLimit: num("tpmLimit"),
      ...Object.fromEntries(POLICIES.map(([k]) => [k, f.get(k) === "on"])),
    });
  }

  return (
    <div className="panel">
      <h2>Organization</h2>
      <p className="muted small">
        Slug <code>{o.slug}</code> · plan {o.plan} · id <code>{o.id}</code> · your role {o.role}
      </p>
      <form className="stack" onSubmit={onSubmit} noValidate key={o.id}>
        <Field label="Name" name="name" error={update.error}>
          <input
            name="name"
            defaultValue={o.name}
            disabled={!canEdit}
            aria-invalid={invalid(update.error, "name")}
          />
        </Field>
        <h2 style={{ marginTop: 8 }}>Policy</h2>
        {POLICIES.map(([k, label]) => (
          <label key={k} className="inline">
            <input type="checkbox" name={k} defaultChecked={o[k]} disabled={!canEdit} /> {label}
          </label>
        ))}
        <div className="row">
          <Field label="Requests / minute (blank = plan default)" name="rpmLimit" error={update.error}>
            <input
              name="rpmLimit"
              defaultValue={o.rpmLimit ?? ""}
              inputMode="numeric"
              disabled={!canEdit}
              aria-invalid={invalid(update.error, "rpmLimit")}
            />
          </Field>
          <Field label="Tokens / minute" name="tpmLimit" error={update.error}>
            <input
              name="tpmLimit"
              defaultValue={o.tpmLimit ?? ""}
              inputMode="numeric"
              disabled={!canEdit}
              aria-invalid={invalid(update.error, "tpmLimit")}
            />
          </Field>
        </div>
        <FormError error={update.error} fields={["name", "rpmLimit", "tpmLimit"]} />
        {update.isSuccess && <div className="alert ok">Saved.</div>}
        {canEdit && (
          <div>
            <button className="primary" type="submit" disabled={update.isPending}>
              Save
            </button>
          </div>
        )}
      </form>
    </div>
  );
}

function Members({ isAdmin }: { isAdmin: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const members = useQuery(trpc.org.members.queryOptions());
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.org.members.queryKey() });
  const changeRole = useMutation(trpc.org.changeRole.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.org.removeMember.mutationOptions({ onSuccess: refresh }));
  const err = changeRole.error ?? remove.error;
  return (
    <div className="panel">
      <h2>Members</h2>
      {err && <div className="alert error">{errorMessage(err)}</div>}
      <table>
        <THead columns={["Email", "Name", "Role", "Joined", ""]} />
        <tbody>
          {members.data?.map((m) => (
            <tr key={m.id}>
              <td>{m.email}</td>
              <td>{m.name}</td>
              <td>
                {isAdmin ? (
                  <select
                    value={m.role}
                    onChange={(e) => changeRole.mutate({ memberId: m.id, role: e.target.value as TRole })}
                  >
                    {ROLES.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                ) : (
                  m.role
                )}
              </td>
              <td className="small">{ago(m.createdAt)}</td>
              <td>
                {isAdmin && (
                  <button
                    type="button"
                    className="danger"
                    onClick={() => confirm(`Remove ${m.email}?`) && remove.mutate({ memberId: m.id })}
                  >
                    Remove
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Invites() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const invites = useQuery(trpc.org.invites.queryOptions());
  const [link, setLink] = useState<string | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.org.invites.queryKey() });
  const invite = useMutation(
    trpc.org.invite.mutationOptions({
      onSuccess: (r) => {
        setLink(r.link);
        refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.org.revokeInvite.mutationOptions({ onSuccess: refresh }));

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    invite.mutate({ email: String(f.get("email") ?? ""), role: String(f.get("role") ?? "member") as TRole });
  }

  return (
    <div className="panel">
      <h2>Invite members</h2>
      <form className="row" onSubmit={onSubmit} noValidate style={{ alignItems: "flex-end" }}>
        <Field label="Email" name="email" error={invite.error}>
          <input name="email" type="email" size={30} aria-invalid={invalid(invite.error, "email")} />
        </Field>
        <Field label="Role" name="role" error={invite.error}>
          <select name="role" defaultValue="member">
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </Field>
        <button className="primary" type="submit" disabled={invite.isPending}>
          Create invite link
        </button>
      </form>
      <FormError error={invite.error} fields={["email", "role"]} />
      {link && (
        <div className="secret" style={{ marginTop: 10 }}>
          <p>
            No mail server is configured: send this link to the invitee yourself (valid 7 days, single use).
          </p>
          <code data-testid="invite-link">{link}</code>{" "}
          <button type="button" onClick={() => navigator.clipboard?.writeText(link)}>
            Copy
          </button>
        </div>
      )}
      {revoke.error && <div className="alert error">{errorMessage(revoke.error)}</div>}
      <table style={{ marginTop: 10 }}>
        <THead columns={["Email", "Role", "Expires", ""]} />
        <tbody>
          {invites.data?.map((i) => (
            <tr key={i.id}>
              <td>{i.email}</td>
              <td>{i.role}</td>
              <td className="small">{new Date(i.expiresAt).toLocaleString()}</td>
              <td>
                <button type="button" className="danger" onClick={() => revoke.mutate({ inviteId: i.id })}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
          {invites.data?.length === 0 && <EmptyRow span={4}>No pending invites.</EmptyRow>}
        </tbody>
      </table>
    </div>
  );
}

export default function SettingsPage() {
  const trpc = useTRPC();
  const org = useQuery(trpc.org.get.queryOptions());
  const isAdmin = org.data?.role === "owner" || org.data?.role === "admin";
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Settings</h1>
          <p className="sub">Organization, policy and members.</p>
        </div>
      </div>
      <OrgSettings />
      <Members isAdmin={isAdmin} />
      {isAdmin && <Invites />}
    </>
  );
}
