"use client";

import { useState } from "react";
import { SNIPPET_LANGS, snippet, type TSnippetLang } from "./snippets";

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      onClick={async () => {
        await navigator.clipboard?.writeText(text).catch(() => undefined);
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      }}
    >
      {copied ? "Copied" : label}
    </button>
  );
}

/** curl / Python / TypeScript tabs for one model, with a copy button. */
export function Snippets({ gatewayUrl, model }: { gatewayUrl: string; model: string }) {
  const [lang, setLang] = useState<TSnippetLang>("curl");
  const text = snippet(lang, gatewayUrl, model);
  return (
    <div data-testid="snippets">
      <div className="row" role="tablist" style={{ marginBottom: 6 }}>
        {SNIPPET_LANGS.map((l) => (
          <button
            key={l.id}
            type="button"
            role="tab"
            aria-selected={lang === l.id}
            className={lang === l.id ? "primary" : undefined}
            onClick={() => setLang(l.id)}
          >
            {l.label}
          </button>
        ))}
        <span className="spacer" />
        <CopyButton text={text} />
      </div>
      <pre className="logs" data-testid={`snippet-${lang}`}>
        {text}
      </pre>
      <p className="muted small">
        Set <code>AITK_API_KEY</code> to a key with the inference scope (API keys page).
      </p>
    </div>
  );
}
