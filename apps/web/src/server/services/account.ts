import { hashPassword, verifyPassword } from "@aitk/core/crypto/password";
import { DomainError } from "@aitk/core/errors";
import { z } from "zod";
import type { TDeps } from "../deps";
import { createOrgForUser } from "./org";

export const ZSignUp = z.object({
  name: z.string().trim().max(100).optional(),
  email: z.string().trim().toLowerCase().email("must be a valid e-mail address").max(254),
  password: z
    .string()
    .min(10, "must have at least 10 characters")
    .max(200, "must have at most 200 characters"),
  orgName: z.string().trim().min(1, "is required").max(100),
});
export type TSignUp = z.input<typeof ZSignUp>;

/** Creates the user and their first organization (as owner). */
export async function signUp(deps: TDeps, input: TSignUp, ip: string | null) {
  const data = ZSignUp.parse(input);
  const exists = await deps.prisma.user.findUnique({ where: { email: data.email } });
  if (exists)
    throw new DomainError("CONFLICT", "an account with this email already exists", { field: "email" });
  const user = await deps.prisma.user.create({
    data: { email: data.email, name: data.name || null, passwordHash: await hashPassword(data.password) },
  });
  const org = await createOrgForUser(deps, user.id, { name: data.orgName }, ip);
  deps.logger.info({ userId: user.id, orgId: org.id }, "user signed up");
  return { userId: user.id, email: user.email, orgId: org.id };
}

// Verifying against a fixed hash when the user does not exist keeps the response time the same, so
// timing does not reveal which e-mails have accounts.
let dummyHash: Promise<string> | undefined;

export async function verifyCredentials(deps: TDeps, emailRaw: string, password: string) {
  const email = emailRaw.trim().toLowerCase();
  const user = await deps.prisma.user.findUnique({ where: { email } });
  if (!user) {
    dummyHash ??= hashPassword("not-a-real-password");
    await verifyPassword(password, await dummyHash);
    return null;
  }
  return (await verifyPassword(password, user.passwordHash))
    ? { id: user.id, email: user.email, name: user.name }
    : null;
}
