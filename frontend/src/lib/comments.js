// Comments on the watch page without reloading it. The server renders every
// comment (escaped, the same HTML as without JavaScript); this module sends
// the forms over GraphQL and then swaps in freshly rendered comments.
import { gql } from "./graphql.js";
import { toast } from "./toast.js";

const ADD = `mutation($video: ID!, $body: String!, $parent: ID) {
  addComment(videoId: $video, body: $body, parentId: $parent) { id parentId }
}`;
const EDIT = "mutation($id: ID!, $body: String!) { editComment(id: $id, body: $body) { id } }";
const DELETE = "mutation($id: ID!) { deleteComment(id: $id) { placeholder } }";
const REPORT = "mutation($id: ID!, $reason: String!) { reportComment(id: $id, reason: $reason) }";

export function setupComments(section) {
  const videoId = section.dataset.videoId;
  const sort = section.dataset.sort || "newest";
  const list = section.querySelector("[data-comment-list]");
  const countEl = section.querySelector("[data-comment-count]");

  function bumpCount(delta) {
    if (countEl) countEl.textContent = String(Math.max(0, (Number(countEl.textContent) || 0) + delta));
  }

  async function fetchPage(url) {
    const res = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!res.ok) throw new Error("The comments could not be loaded. Reload the page.");
    return res.text();
  }

  /** Render the first page again, then bring `focusId` into view. */
  async function reload(focusId) {
    list.innerHTML = await fetchPage(`/video/${videoId}/comments?comments=${encodeURIComponent(sort)}`);
    if (!list.children.length) {
      const empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = "No comments yet. Be the first.";
      list.append(empty);
    }
    const target = focusId && document.getElementById(`comment-${focusId}`);
    if (target) {
      target.classList.add("is-new");
      target.scrollIntoView({ block: "nearest" });
    }
  }

  async function submit(form) {
    const kind = form.dataset.commentForm;
    const button = form.querySelector('button[type="submit"]');
    const field = form.querySelector("textarea, input[name=reason]");
    const value = field ? field.value : "";
    if (kind === "delete" && !window.confirm("Delete this comment? This cannot be undone.")) return;
    if (button) button.disabled = true;
    try {
      if (kind === "add") {
        const data = await gql(ADD, { video: videoId, body: value, parent: form.dataset.parentId || null });
        field.value = "";
        bumpCount(1);
        await reload(data.addComment.id);
      } else if (kind === "edit") {
        await gql(EDIT, { id: form.dataset.commentId, body: value });
        await reload(form.dataset.commentId);
      } else if (kind === "delete") {
        await gql(DELETE, { id: form.dataset.commentId });
        bumpCount(-1);
        await reload(null);
        toast("The comment is deleted.", "success");
      } else if (kind === "report") {
        await gql(REPORT, { id: form.dataset.commentId, reason: value });
        const details = form.closest("details");
        if (details) details.open = false;
        toast("Thank you: the moderators will have a look.", "success");
      }
    } catch (err) {
      toast(err.message || "That did not work. Try again.", "error");
    } finally {
      if (button && button.isConnected) button.disabled = false;
    }
  }

  section.addEventListener("submit", (e) => {
    const form = e.target.closest("form[data-comment-form]");
    if (!form) return;
    e.preventDefault();
    submit(form);
  });

  // "More comments": append the next page instead of leaving the page.
  section.addEventListener("click", async (e) => {
    const link = e.target.closest("[data-comments-more] a[data-fragment]");
    if (!link) return;
    e.preventDefault();
    const item = link.closest("[data-comments-more]");
    link.setAttribute("aria-busy", "true");
    try {
      const html = await fetchPage(link.dataset.fragment);
      const holder = document.createElement("template");
      holder.innerHTML = html;
      item.replaceWith(holder.content);
    } catch (err) {
      link.removeAttribute("aria-busy");
      toast(err.message, "error");
    }
  });

  // Ctrl/Cmd+Enter sends a comment.
  section.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey)) return;
    const form = e.target.closest("form[data-comment-form]");
    if (form && e.target.tagName === "TEXTAREA") {
      e.preventDefault();
      form.requestSubmit();
    }
  });
}
