import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The "nginx" reference: nginx (Debian's package, when installed) as a plain keep-alive reverse proxy
 * in one process, one worker, no logs — the floor of a proxy written in C on this machine and in this
 * bench's topology (pinned, loopback). Next to "bare" (the Node floor) it says how much of the added
 * latency any proxy pays here: the extra hop's two loopback writes and the wake-ups of the other core.
 */
export function nginxBinary(): string | null {
  for (const p of ["/usr/sbin/nginx", "/usr/bin/nginx"]) {
    try {
      execFileSync(p, ["-v"], { stdio: "ignore" });
      return p;
    } catch {}
  }
  return null;
}

/** nginx.conf for one listener per upstream (listen port → upstream port), written under `dir`. */
export function nginxConfig(dir: string, routes: { listen: number; upstream: number }[]): string {
  mkdirSync(dir, { recursive: true });
  const servers = routes
    .map(
      (r) => `
  upstream u${r.upstream} {
    server 127.0.0.1:${r.upstream};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${r.listen};
    location / {
      proxy_pass http://u${r.upstream};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering on;
    }
  }`,
    )
    .join("\n");
  const file = join(dir, "nginx.conf");
  writeFileSync(
    file,
    `daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${join(dir, "body")};
  proxy_temp_path ${join(dir, "proxy")};
  fastcgi_temp_path ${join(dir, "fastcgi")};
  uwsgi_temp_path ${join(dir, "uwsgi")};
  scgi_temp_path ${join(dir, "scgi")};
${servers}
}
`,
  );
  return file;
}
