import { describe, expect, it } from "vitest";
import { parseDockerEndpoint, parseHostCredentials } from "./endpoint";

describe("parseDockerEndpoint", () => {
  it("parses unix sockets, with or without scheme", () => {
    expect(parseDockerEndpoint("unix:///var/run/docker.sock")).toEqual({
      protocol: "unix",
      socketPath: "/var/run/docker.sock",
    });
    expect(parseDockerEndpoint("/run/docker.sock")).toEqual({
      protocol: "unix",
      socketPath: "/run/docker.sock",
    });
  });

  it("uses TLS for tcp only when credentials say so", () => {
    expect(parseDockerEndpoint("tcp://10.0.0.5:2376", { tls: true })).toEqual({
      protocol: "https",
      host: "10.0.0.5",
      port: 2376,
    });
    expect(parseDockerEndpoint("tcp://gpu1")).toEqual({ protocol: "http", host: "gpu1", port: 2375 });
    expect(parseDockerEndpoint("https://gpu1")).toEqual({ protocol: "https", host: "gpu1", port: 2376 });
  });

  it("parses ssh with user and port", () => {
    expect(parseDockerEndpoint("ssh://ops@gpu2:2222")).toEqual({
      protocol: "ssh",
      host: "gpu2",
      port: 2222,
      username: "ops",
    });
  });

  it("rejects unknown schemes and garbage with a clear message", () => {
    expect(() => parseDockerEndpoint("ftp://x")).toThrow(/unsupported host endpoint scheme "ftp"/);
    expect(() => parseDockerEndpoint("not a url")).toThrow(/invalid host endpoint/);
  });
});

describe("parseHostCredentials", () => {
  it("accepts TLS material and rejects unknown keys", () => {
    expect(parseHostCredentials('{"ca":"A","cert":"B","key":"C"}')).toEqual({ ca: "A", cert: "B", key: "C" });
    expect(() => parseHostCredentials('{"cert":"B","bogus":1}')).toThrow(/invalid host credentials/);
    expect(() => parseHostCredentials("{")).toThrow(/not valid JSON/);
  });
});
