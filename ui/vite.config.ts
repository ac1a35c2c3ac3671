import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The desk loads the built files from the binary; no dev server is involved, so
// the output must work from a custom protocol with relative asset paths.
export default defineConfig({
  plugins: [svelte()],
  base: "./",
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "safari15",
    // Inline assets would need a data: script-src; keep every asset a file.
    assetsInlineLimit: 0,
    sourcemap: false,
    // Two pages: the operator's desk, and the signer's screen (its own window and
    // capability, so it carries none of the operator's code).
    rollupOptions: {
      input: { main: "index.html", signer: "signer.html" },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
  },
  resolve: process.env.VITEST ? { conditions: ["browser"] } : undefined,
});
