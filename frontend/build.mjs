// Bundle one ES module per page (plus the shared app entry and stylesheet)
// into src/cosmostream/web/static/dist, where the server serves them.
import * as esbuild from "esbuild";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const pages = readdirSync("src/pages")
  .filter((f) => f.endsWith(".js"))
  .map((f) => ({ in: join("src/pages", f), out: f.replace(/\.js$/, "") }));

const options = {
  entryPoints: [{ in: "src/app.js", out: "app" }, { in: "src/styles/app.css", out: "app" }, ...pages],
  outdir: "../src/cosmostream/web/static/dist",
  bundle: true,
  format: "esm",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  target: ["es2020"],
  minify: true,
  sourcemap: true,
  logLevel: "info",
  // Fonts by file (KaTeX's stylesheet names woff2, woff and ttf for each face).
  loader: { ".woff2": "file", ".woff": "file", ".ttf": "file", ".svg": "file" },
};

if (process.argv.includes("--watch")) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
