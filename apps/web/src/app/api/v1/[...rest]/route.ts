import { DomainError } from "@aitk/core/errors";
import { errorResponse } from "../../../../server/rest/handler";

export const dynamic = "force-dynamic";

// Unknown /api/v1 paths answer in the API's JSON error shape rather than with the HTML 404 page.
const notFound = (req: Request) =>
  errorResponse(
    new DomainError(
      "NOT_FOUND",
      `no such API route: ${req.method} ${new URL(req.url).pathname} (see /api/v1/openapi.json)`,
    ),
  );

export { notFound as GET, notFound as POST, notFound as PATCH, notFound as DELETE, notFound as PUT };
