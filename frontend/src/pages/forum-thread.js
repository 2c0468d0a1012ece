// Forum thread page: the live side. The server renders the posts, the chat's
// latest messages and every form, which all work without JavaScript; this
// joins the thread's room (`thread:<id>`) to keep the chat, the "who is here"
// list, the typing line and the posts current, and sends chat over the socket.
// User text always goes in with textContent; only a post's bodyHtml, which the
// server has already sanitised, is inserted as HTML.
import { connect, joinRoom, request } from "../lib/realtime.js";
import { csrfToken } from "../lib/graphql.js";
import { formatClock } from "../lib/time.js";
import { toast } from "../lib/toast.js";

const TYPING_EVERY_MS = 2000; // send "typing" at most this often
const TYPING_SHOWN_MS = 3000; // how long someone stays "typing" without news
const KEEP_MESSAGES = 300; // older ones leave the page (the server keeps them)

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function clock(iso) {
  return formatClock(iso);
}

function compact(n) {
  return new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 }).format(n || 0);
}

function avatar(user) {
  if (user && user.avatarUrl) {
    const img = el("img", "avatar avatar-md");
    img.src = user.avatarUrl;
    img.alt = "";
    return img;
  }
  const initial = el("span", "avatar avatar-md avatar-initial", ((user && user.name) || "?").slice(0, 1).toUpperCase());
  initial.setAttribute("aria-hidden", "true");
  return initial;
}

/** A form that posts to `action` with the CSRF token, like the server-rendered ones. */
function postForm(action, className, csrf, extra = {}) {
  const form = el("form", className);
  form.method = "post";
  form.action = action;
  for (const [name, value] of Object.entries({ csrf_token: csrf, ...extra })) {
    const input = el("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.append(input);
  }
  return form;
}

function setup(root) {
  const threadId = root.dataset.threadId;
  const room = `thread:${threadId}`;
  const viewerId = root.dataset.viewerId || null;
  const moderator = root.dataset.moderator === "true";
  const csrf = csrfToken();

  const list = root.querySelector("[data-chat-messages]");
  const empty = root.querySelector("[data-chat-empty]");
  const presence = root.querySelector("[data-chat-presence]");
  const typingLine = root.querySelector("[data-chat-typing]");
  const status = root.querySelector("[data-chat-status]");
  const form = root.querySelector("[data-chat-form]");
  const input = form && form.querySelector("[data-chat-input]");
  const posts = root.querySelector("[data-posts]");
  const banner = root.querySelector("[data-thread-banner]");
  let gone = false;

  // ------------------------------------------------------------ chat

  const canDelete = (author) => Boolean(viewerId && (moderator || (author && author.id === viewerId)));

  function messageElement(m) {
    const item = el("li", "chat-message");
    const author = m.author || null;
    if (viewerId && author && author.id === viewerId) item.classList.add("is-own");
    item.dataset.messageId = m.id;
    item.dataset.authorId = author ? author.id : "";
    const meta = el("p", "chat-meta");
    const time = el("time", "", clock(m.createdAt));
    time.dateTime = m.createdAt;
    meta.append(el("span", "chat-author", author ? author.name : "A former member"), " ", time);
    item.append(meta, el("p", "chat-body", m.body));
    if (canDelete(author)) {
      const del = postForm(`/forums/${threadId}/chat/${m.id}/delete`, "chat-delete", csrf);
      del.dataset.chatDelete = "";
      const button = el("button", "link-button", "Delete");
      button.type = "submit";
      button.setAttribute("aria-label", "Delete this message");
      del.append(button);
      item.append(del);
    }
    return item;
  }

  function nearBottom() {
    return list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  }

  function afterChange(stick) {
    while (list.children.length > KEEP_MESSAGES) list.firstElementChild.remove();
    if (empty) empty.hidden = list.children.length > 0;
    if (stick) list.scrollTop = list.scrollHeight;
  }

  function findMessage(id) {
    return list.querySelector(`[data-message-id="${CSS.escape(String(id))}"]`);
  }

  function renderHistory(messages) {
    list.replaceChildren(...messages.map(messageElement));
    afterChange(true);
  }

  function addMessage(m) {
    if (!m || findMessage(m.id)) return;
    const stick = nearBottom() || (m.author && m.author.id === viewerId);
    list.append(messageElement(m));
    if (m.author) stopTyping(m.author.id);
    afterChange(stick);
  }

  function removeMessage(id) {
    const item = findMessage(id);
    if (item) item.remove();
    afterChange(false);
  }

  // Times rendered by the server are UTC; show them in the reader's zone.
  for (const time of list.querySelectorAll("time[datetime]")) time.textContent = clock(time.dateTime);
  afterChange(true);

  let lastTyping = 0;

  async function send() {
    const body = input.value;
    if (!body.trim()) {
      input.focus();
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    const ack = await request("forum.chat.send", { threadId, body });
    if (button) button.disabled = false;
    if (ack.ok) {
      input.value = "";
      input.removeAttribute("aria-invalid");
      lastTyping = 0;
      addMessage(ack.message);
    } else {
      input.setAttribute("aria-invalid", "true");
      toast((ack.error && ack.error.message) || "The message was not sent. Try again.", "error");
    }
    input.focus();
  }

  if (form && input) {
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!gone) send();
    });
    // Enter sends; Shift+Enter makes a new line.
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    input.addEventListener("input", () => {
      const now = Date.now();
      if (input.value.trim() && now - lastTyping >= TYPING_EVERY_MS) {
        lastTyping = now;
        request("forum.typing", { threadId });
      }
    });
  }

  list.addEventListener("submit", async (e) => {
    const del = e.target.closest("form[data-chat-delete]");
    if (!del) return;
    e.preventDefault();
    const item = del.closest("[data-message-id]");
    const ack = await request("forum.chat.delete", { messageId: item.dataset.messageId });
    if (ack.ok) removeMessage(item.dataset.messageId);
    else toast((ack.error && ack.error.message) || "The message was not deleted.", "error");
  });

  // ------------------------------------------------------------ typing, presence

  const typers = new Map(); // user id → {name, timer}

  function renderTyping() {
    const names = [...typers.values()].map((t) => t.name);
    let text = "";
    if (names.length === 1) text = `${names[0]} is typing…`;
    else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
    else if (names.length > 2) text = "Several people are typing…";
    typingLine.textContent = text;
  }

  function stopTyping(userId) {
    const entry = typers.get(userId);
    if (!entry) return;
    clearTimeout(entry.timer);
    typers.delete(userId);
    renderTyping();
  }

  function startTyping(user) {
    if (!user || user.id === viewerId) return;
    const previous = typers.get(user.id);
    if (previous) clearTimeout(previous.timer);
    typers.set(user.id, { name: user.name, timer: setTimeout(() => stopTyping(user.id), TYPING_SHOWN_MS) });
    renderTyping();
  }

  // Who is here: set from the join acknowledgement, then changed by deltas.
  const here = new Map();

  function setPresence(people) {
    here.clear();
    (people || []).forEach((user) => here.set(user.id, user));
    renderPresence();
  }

  function applyPresence(e) {
    (e.joined || []).forEach((user) => here.set(user.id, user));
    (e.left || []).forEach((id) => here.delete(id));
    renderPresence();
  }

  function renderPresence() {
    const items = [...here.values()].map((user) => {
      const item = el("li", "chat-person");
      item.dataset.userId = user.id;
      const face = avatar(user);
      face.classList.replace("avatar-md", "avatar-sm");
      item.append(face, el("span", "chat-person-name", user.name + (user.id === viewerId ? " (you)" : "")));
      return item;
    });
    if (!items.length) items.push(el("li", "muted", "Nobody signed in right now."));
    presence.replaceChildren(...items);
  }

  // ------------------------------------------------------------ posts and the thread

  function showBanner(text, link) {
    banner.replaceChildren(el("span", "", text));
    if (link) {
      const a = el("a", "button button-small button-ghost", link.label);
      a.href = link.href;
      banner.append(" ", a);
    }
    banner.hidden = false;
  }

  function postElement(post) {
    const item = el("li", "post is-new");
    item.id = `post-${post.id}`;
    item.dataset.postId = post.id;
    const head = el("header", "post-head");
    const byline = el("div", "post-byline");
    const author = post.author;
    if (author) {
      const link = el("a", "post-author", author.name);
      link.href = `/profile/${author.id}`;
      byline.append(link);
    } else {
      byline.append(el("span", "post-author", "A former member"));
    }
    const when = el("a", "post-time");
    when.href = `#post-${post.id}`;
    const time = el("time", "", "just now");
    time.dateTime = post.createdAt;
    when.append(time);
    const edited = el("span", "post-edited muted", "(edited)");
    edited.dataset.postEdited = "";
    edited.hidden = !post.editedAt;
    byline.append(" ", when, " ", edited);
    head.append(avatar(author), byline);

    const body = el("div", "post-body");
    body.dataset.postBody = "";
    body.innerHTML = post.bodyHtml; // sanitised by the server (see forum/markdown.py)

    const actions = el("footer", "post-actions");
    const back = `${window.location.pathname}${window.location.search}#post-${post.id}`;
    if (viewerId) {
      const like = postForm(`/forums/posts/${post.id}/like`, "post-action", csrf, { next: back });
      like.dataset.postLike = "";
      const button = el("button", "button button-ghost button-small toggle-button", "Like ");
      button.type = "submit";
      button.setAttribute("aria-pressed", "false");
      const likes = el("span", "toggle-count", compact(post.likeCount));
      likes.dataset.likeCount = "";
      button.append(likes);
      like.append(button);
      actions.append(like);
      if (canDelete(author)) {
        const del = postForm(`/forums/posts/${post.id}/delete`, "post-action", csrf, { next: back });
        const remove = el("button", "link-button", "Delete");
        remove.type = "submit";
        del.addEventListener("submit", (e) => {
          if (!window.confirm("Delete this post? Its text is gone for good.")) e.preventDefault();
        });
        del.append(remove);
        actions.append(del);
      }
      if (!author || author.id !== viewerId) actions.append(reportForm(post.id, back));
    } else {
      const likes = el("span", "post-likes muted");
      const n = el("span", "", compact(post.likeCount));
      n.dataset.likeCount = "";
      likes.append(n, post.likeCount === 1 ? " like" : " likes");
      actions.append(likes);
    }
    item.append(head, body, actions);
    return item;
  }

  /** The Report disclosure the server renders under other people's posts. */
  function reportForm(postId, back) {
    const details = el("details", "comment-action post-action");
    details.dataset.postReport = "";
    details.append(el("summary", "", "Report"));
    const form = postForm(`/forums/posts/${postId}/report`, "comment-form comment-form-inline", csrf, { next: back });
    const label = el("label", "visually-hidden", "Why are you reporting this post?");
    label.htmlFor = `report-${postId}`;
    const reason = el("input");
    reason.id = `report-${postId}`;
    reason.name = "reason";
    reason.maxLength = 500;
    reason.placeholder = "What is wrong with it? (optional)";
    const send = el("button", "button button-small button-ghost", "Report");
    send.type = "submit";
    form.append(label, reason, send);
    details.append(form);
    return details;
  }

  // The events carry the thread's count itself: set it, never add to it.
  const replies = root.querySelector("[data-reply-count]");
  function setReplyCount(n) {
    if (!replies || typeof n !== "number") return;
    replies.textContent = `${n} ${n === 1 ? "reply" : "replies"}`;
  }

  function findPost(id) {
    return posts.querySelector(`[data-post-id="${CSS.escape(String(id))}"]`);
  }

  function addPost(post) {
    if (findPost(post.id)) return;
    if (root.dataset.lastPage !== "true") {
      // Newer posts live on a later page: say so rather than append out of order.
      const newer = root.querySelector("[data-posts-newer]");
      showBanner("There are new replies.", newer ? { label: "See newer posts", href: newer.href } : null);
      return;
    }
    posts.append(postElement(post));
  }

  function updatePost(post) {
    const item = findPost(post.id);
    if (!item) return;
    const body = item.querySelector("[data-post-body]");
    if (body && post.bodyHtml != null) body.innerHTML = post.bodyHtml; // sanitised by the server
    const edited = item.querySelector("[data-post-edited]");
    if (edited) edited.hidden = !post.editedAt;
    for (const count of item.querySelectorAll("[data-like-count]")) count.textContent = compact(post.likeCount);
  }

  function deletePost(id) {
    const item = findPost(id);
    if (!item) return;
    const note = el("p", "post-deleted", "This post was deleted.");
    note.dataset.postBody = "";
    item.classList.add("is-deleted");
    item.replaceChildren(note);
  }

  function closeForms() {
    for (const field of root.querySelectorAll("form textarea, form input:not([type=hidden]), form button, form select")) {
      field.disabled = true;
    }
  }

  function updateThread(e) {
    const title = root.querySelector("[data-thread-title]");
    if (title && typeof e.title === "string") title.textContent = e.title;
    const pinned = root.querySelector("[data-thread-pinned]");
    if (pinned) pinned.hidden = !e.pinned;
    const lockedBadge = root.querySelector("[data-thread-locked]");
    if (lockedBadge) lockedBadge.hidden = !e.locked;
    const wasLocked = root.dataset.locked === "true";
    if (e.locked !== wasLocked) {
      root.dataset.locked = String(e.locked);
      if (e.locked && !moderator) {
        closeForms();
        showBanner("A moderator locked this thread: it takes no new replies or messages.");
      } else {
        showBanner(e.locked ? "This thread is now locked." : "This thread is open again.", {
          label: "Reload",
          href: window.location.href,
        });
      }
    }
    if (e.categoryId && root.dataset.categoryId && e.categoryId !== root.dataset.categoryId) {
      root.dataset.categoryId = e.categoryId;
      showBanner("A moderator moved this thread to another forum.", { label: "Reload", href: window.location.href });
    }
  }

  // ------------------------------------------------------------ the room

  const mine = (e) => e && String(e.threadId) === String(threadId);
  const socket = connect();
  socket.on("forum.chat.message", (m) => mine(m) && addMessage(m));
  socket.on("forum.chat.deleted", (e) => mine(e) && removeMessage(e.id));
  socket.on("forum.typing", (e) => mine(e) && startTyping(e.user));
  socket.on("forum.presence", (e) => mine(e) && applyPresence(e));
  socket.on("forum.post.new", (e) => {
    if (!mine(e)) return;
    setReplyCount(e.replyCount);
    if (e.post) addPost(e.post);
  });
  socket.on("forum.post.updated", (e) => mine(e) && e.post && updatePost(e.post));
  socket.on("forum.post.deleted", (e) => {
    if (!mine(e)) return;
    setReplyCount(e.replyCount);
    deletePost(e.id);
  });
  socket.on("forum.thread.updated", (e) => mine(e) && updateThread(e));
  socket.on("forum.thread.deleted", (e) => {
    if (!mine(e)) return;
    gone = true;
    closeForms();
    showBanner("A moderator deleted this thread.", { label: "Back to the forums", href: "/forums" });
  });
  socket.on("disconnect", () => {
    if (status && !gone) status.textContent = "Reconnecting…";
  });

  // Joined again after every reconnect: the history and presence in the ack
  // replace what the page shows, so nothing missed while away is lost.
  joinRoom(room, (ack) => {
    if (!ack || !ack.ok) {
      if (status) status.textContent = "The live chat is unavailable. Reload to see new messages.";
      return;
    }
    renderHistory(ack.history || []);
    setPresence(ack.present);
    typers.forEach((entry) => clearTimeout(entry.timer));
    typers.clear();
    renderTyping();
    if (status) status.textContent = "Live";
    root.classList.add("is-live");
  });
}

const root = document.querySelector("[data-forum-thread]");
if (root) setup(root);
