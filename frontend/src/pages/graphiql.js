// GraphiQL at /graphql (development only), bundled from npm like every page so
// that it works offline and under the site's Content-Security-Policy. The page's
// cookies authenticate the queries; the CSRF header comes from the page.
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import "graphiql/graphiql.css";
import "../styles/graphiql.css";
import { postGraphQL } from "../lib/graphql.js";

// GraphiQL's dialogs insert <style> elements (react-style-singleton), tagged
// with this global nonce, which the page's policy admits for this response only.
window.__webpack_nonce__ = document.querySelector('meta[name="csp-style-nonce"]')?.content;

async function fetcher(params) {
  return (await postGraphQL(params)).json();
}

createRoot(document.getElementById("graphiql")).render(
  createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true, isHeadersEditorEnabled: true }),
);
