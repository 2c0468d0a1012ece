// A tiny GraphQL client for pages. The page's cookies authenticate the call;
// the CSRF header proves the request comes from one of our pages.

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") || "" : "";
}

export class GraphQLError extends Error {
  constructor(message, { errors = [], status = 0 } = {}) {
    super(message);
    this.name = "GraphQLError";
    this.errors = errors;
    this.status = status;
    const first = errors[0];
    this.code = first && first.extensions ? first.extensions.code : undefined;
  }
}

/** POST a GraphQL request body ({query, variables, operationName}) as this page. */
export function postGraphQL(body, { signal } = {}) {
  return fetch("/graphql", {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRF-Token": csrfToken(),
    },
    body: JSON.stringify(body),
    signal,
  });
}

/** Run a query or mutation; resolves to `data`, rejects with the first error's message. */
export async function gql(query, variables = {}, { signal } = {}) {
  let response;
  try {
    response = await postGraphQL({ query, variables }, { signal });
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new GraphQLError("Could not reach the server. Check your connection and try again.");
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const errors = (body && body.errors) || [];
  if (errors.length) {
    throw new GraphQLError(errors[0].message || "Something went wrong.", { errors, status: response.status });
  }
  if (!response.ok || !body) {
    const message = (body && (body.detail || body.message)) || `The server answered ${response.status}.`;
    throw new GraphQLError(typeof message === "string" ? message : "Something went wrong.", { status: response.status });
  }
  return body.data;
}
