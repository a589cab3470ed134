import { Playground } from "@/components/gateway/Playground";
import { getDeps } from "@/server/deps";

export const dynamic = "force-dynamic";

export default async function PlaygroundPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const sp = await searchParams;
  const model = typeof sp.model === "string" ? sp.model.slice(0, 200) : undefined;
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Try it</h1>
          <p className="sub">Chat with a model through the gateway, streamed token by token.</p>
        </div>
      </div>
      <Playground gatewayUrl={getDeps().gatewayUrl} initialModel={model} />
    </>
  );
}
