import Link from "next/link";
import { currentSession } from "@/server/auth/session";
import { getDeps } from "@/server/deps";
import { describeInvite } from "@/server/services/org";
import { AcceptInvite } from "./accept";

export const dynamic = "force-dynamic";

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const invite = await describeInvite(getDeps(), token);
  const session = await currentSession();
  const here = `/invite/${encodeURIComponent(token)}`;
  return (
    <div className="auth-card">
      <h1>Join an organization</h1>
      {!invite ? (
        <div className="alert error">This invite link is not valid: it was used, revoked or has expired.</div>
      ) : (
        <>
          <p>
            You are invited to <strong>{invite.orgName}</strong> as <strong>{invite.role}</strong> (
            {invite.email}).
          </p>
          {session ? (
            <AcceptInvite token={token} signedInAs={session.email} inviteEmail={invite.email} />
          ) : (
            <div className="row">
              <Link className="btn" href={`/sign-in?next=${encodeURIComponent(here)}`}>
                Sign in
              </Link>
              <Link
                className="btn"
                href={`/sign-up?next=${encodeURIComponent(here)}&email=${encodeURIComponent(invite.email)}`}
              >
                Create an account
              </Link>
            </div>
          )}
        </>
      )}
    </div>
  );
}
