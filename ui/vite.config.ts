// Vite config for Pare's UI; `npm run build` writes ui/dist, which
// tauri.conf.json embeds as the desktop window's frontend.
import { defineConfig } from "vite";

export default defineConfig({
  // Relative asset URLs work under tauri://localhost as well as a file server.
  base: "./",
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
  },
});
