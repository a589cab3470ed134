import * as compat from "../services/compat";
import { orgProcedure, router } from "../trpc/init";

export const compatRouter = router({
  graph: orgProcedure
    .input(compat.ZCompatQuery.optional())
    .query(({ input }) => compat.compatGraph(input ?? {})),
});
