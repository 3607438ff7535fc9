// Vite config for Pare's UI; `npm run build` writes ui/dist, which
// tauri.conf.json embeds as the desktop window's frontend. Vitest runs the
// component tests (src/**/*.test.tsx) in jsdom.
import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  // Relative asset URLs work under tauri://localhost as well as a file server.
  base: "./",
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 1500,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.tsx"],
  },
});
