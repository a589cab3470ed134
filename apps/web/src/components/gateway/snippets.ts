// Copyable client snippets for a model behind the gateway. The key is always read from the
// environment (AITK_API_KEY) so a pasted snippet never carries a secret.
export type TSnippetLang = "curl" | "python" | "typescript";

export const SNIPPET_LANGS: { id: TSnippetLang; label: string }[] = [
  { id: "curl", label: "curl" },
  { id: "python", label: "Python (openai)" },
  { id: "typescript", label: "TypeScript (openai)" },
];

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function snippet(lang: TSnippetLang, gatewayUrl: string, model: string): string {
  const base = `${gatewayUrl.replace(/\/+$/, "")}/v1`;
  const m = JSON.stringify(model);
  switch (lang) {
    case "curl":
      return [
        `curl ${base}/chat/completions \\`,
        `  -H "Authorization: Bearer $AITK_API_KEY" \\`,
        `  -H "Content-Type: application/json" \\`,
        `  -d ${shellQuote(
          JSON.stringify({
            model,
            messages: [{ role: "user", content: "Say hello" }],
            stream: true,
            stream_options: { include_usage: true },
          }),
        )}`,
      ].join("\n");
    case "python":
      return [
        "import os",
        "from openai import OpenAI",
        "",
        `client = OpenAI(base_url=${JSON.stringify(base)}, api_key=os.environ["AITK_API_KEY"])`,
        "stream = client.chat.completions.create(",
        `    model=${m},`,
        `    messages=[{"role": "user", "content": "Say hello"}],`,
        "    stream=True,",
        `    stream_options={"include_usage": True},`,
        ")",
        "for chunk in stream:",
        "    if chunk.choices and chunk.choices[0].delta.content:",
        `        print(chunk.choices[0].delta.content, end="", flush=True)`,
        "    if chunk.usage:",
        '        print(f"\\n{chunk.usage.prompt_tokens} in / {chunk.usage.completion_tokens} out")',
      ].join("\n");
    case "typescript":
      return [
        `import OpenAI from "openai";`,
        "",
        `const client = new OpenAI({ baseURL: ${JSON.stringify(base)}, apiKey: process.env.AITK_API_KEY });`,
        "const stream = await client.chat.completions.create({",
        `  model: ${m},`,
        `  messages: [{ role: "user", content: "Say hello" }],`,
        "  stream: true,",
        "  stream_options: { include_usage: true },",
        "});",
        "for await (const chunk of stream) {",
        `  process.stdout.write(chunk.choices[0]?.delta?.content ?? "");`,
        "  if (chunk.usage) console.log(`\\n${chunk.usage.prompt_tokens} in / ${chunk.usage.completion_tokens} out`);",
        "}",
      ].join("\n");
  }
}
