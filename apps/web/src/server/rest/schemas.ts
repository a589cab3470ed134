// Schemas every REST route file uses: the `{id}` path parameter and a cursor page of items.
import { z } from "zod";

export const ZIdParams = z.object({ id: z.string().min(1).max(64) });

export const ZPage = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
