// The header bell: a drop-down of the latest notifications, a live unread
// badge and a toast when a followed creator publishes. Without JavaScript the
// bell is a plain link to /notifications with a server-rendered count; this
// module only enhances it, so it sets itself up on import.
import { gql } from "./graphql.js";
import { connect } from "./realtime.js";
import { toast } from "./toast.js";

const LATEST = `query($first: Int!) { me { unreadNotificationCount
  notifications(first: $first) { edges { node { id text url createdAt read
    actor { displayName avatarUrl } } } } } }`;
const MARK = `mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) { unreadCount } }`;
const SHOWN = 8;

function ago(iso) {
  const seconds = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  const units = [[31536000, "year"], [2592000, "month"], [604800, "week"], [86400, "day"], [3600, "hour"], [60, "minute"]];
  for (const [size, unit] of units) {
    if (seconds >= size) {
      const n = Math.floor(seconds / size);
      return `${n} ${unit}${n === 1 ? "" : "s"} ago`;
    }
  }
  return "just now";
}

function setup() {
  const menu = document.querySelector("[data-notification-menu]");
  if (!menu) return; // signed out
  const bell = menu.querySelector(".notification-bell");
  const panel = menu.querySelector(".notification-panel");
  const list = menu.querySelector("[data-notification-list]");
  const badge = menu.querySelector(".notification-badge");
  const markAll = menu.querySelector("[data-mark-all]");
  // The list is fetched when the panel opens, and again after news arrives.
  let fresh = false;

  function setCount(n) {
    badge.dataset.unread = String(n);
    badge.textContent = n > 99 ? "99+" : String(n);
    badge.hidden = n === 0;
    bell.setAttribute("aria-label", n ? `Notifications, ${n} unread` : "Notifications");
  }

  function message(text) {
    const li = document.createElement("li");
    li.className = "notification-empty";
    li.textContent = text;
    list.replaceChildren(li);
  }

  async function open(item) {
    const target = item.url || "/notifications";
    if (!item.read) {
      // Mark it read before leaving: a fetch still running at navigation is cancelled.
      try {
        const data = await gql(MARK, { ids: [item.id] });
        setCount(data.markNotificationsRead.unreadCount);
      } catch {
        /* the page still opens; it stays unread */
      }
    }
    window.location.href = target;
  }

  function render(items) {
    if (!items.length) {
      message("Nothing yet. Follow creators to hear when they publish.");
      return;
    }
    list.replaceChildren(
      ...items.map((item) => {
        const li = document.createElement("li");
        li.className = item.read ? "notification-entry" : "notification-entry is-unread";
        const link = document.createElement("a");
        link.href = item.url || "/notifications";
        const text = document.createElement("span");
        text.className = "notification-text";
        text.textContent = item.text;
        const when = document.createElement("time");
        when.dateTime = item.createdAt;
        when.textContent = ago(item.createdAt);
        link.append(text, when);
        link.addEventListener("click", (e) => {
          if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
          e.preventDefault();
          open(item);
        });
        li.append(link);
        return li;
      }),
    );
  }

  async function load() {
    message("Loading…");
    try {
      const data = await gql(LATEST, { first: SHOWN });
      if (!data.me) return;
      setCount(data.me.unreadNotificationCount);
      render(data.me.notifications.edges.map((e) => e.node));
      fresh = true;
    } catch (err) {
      message(err.message || "Could not load your notifications.");
    }
  }

  function isOpen() {
    return !panel.hidden;
  }

  function show(visible) {
    panel.hidden = !visible;
    bell.setAttribute("aria-expanded", String(visible));
    if (visible && !fresh) load();
  }

  bell.addEventListener("click", (e) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey) return; // let "open in new tab" work
    e.preventDefault();
    show(!isOpen());
  });
  document.addEventListener("click", (e) => {
    if (isOpen() && !menu.contains(e.target)) show(false);
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && isOpen()) {
      show(false);
      bell.focus();
    }
  });
  markAll.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const data = await gql(MARK, { ids: null });
      setCount(data.markNotificationsRead.unreadCount);
      list.querySelectorAll(".is-unread").forEach((li) => li.classList.remove("is-unread"));
    } catch {
      markAll.submit(); // the form works without us
    }
  });

  const socket = connect();
  socket.on("notification.new", (event) => {
    setCount(event.unreadCount);
    fresh = false;
    if (isOpen()) load();
    toast(event.text);
  });
  socket.on("notification.read", (event) => {
    setCount(event.unreadCount);
    fresh = false;
  });
}

setup();
