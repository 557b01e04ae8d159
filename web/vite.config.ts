import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

// `npm run dev` proxies the API to a vireod reachable over TCP: VIREO_DEV_TARGET (default http://127.0.0.1:18080,
// e.g. `socat TCP-LISTEN:18080,bind=127.0.0.1,fork UNIX-CONNECT:/run/vireo/vireod.sock`, or the TLS listener).
const target = process.env.VIREO_DEV_TARGET ?? "http://127.0.0.1:18080";

export default defineConfig({
  plugins: [preact()],
  // noVNC 1.7 uses top-level await.
  build: { target: "es2022", chunkSizeWarningLimit: 800, sourcemap: false },
  server: { proxy: { "/v1": { target, ws: true, secure: false, changeOrigin: false } } },
});
