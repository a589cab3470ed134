"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { errorMessage, useTRPC } from "@/trpc/client";

export function AcceptInvite({
  token,
  signedInAs,
  inviteEmail,
}: {
  token: string;
  signedInAs: string;
  inviteEmail: string;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const accept = useMutation(
    trpc.account.acceptInvite.mutationOptions({
      onSuccess: () => {
        router.push("/");
        router.refresh();
      },
    }),
  );
  return (
    <div className="stack">
      <p className="muted small">Signed in as {signedInAs}.</p>
      {signedInAs.toLowerCase() !== inviteEmail.toLowerCase() && (
        <div className="alert info">
          This invite is for {inviteEmail}; sign in with that address to accept it.
        </div>
      )}
      {accept.error && <div className="alert error">{errorMessage(accept.error)}</div>}
      <button
        className="primary"
        type="button"
        disabled={accept.isPending}
        onClick={() => accept.mutate({ token })}
      >
        Accept invite
      </button>
    </div>
  );
}
