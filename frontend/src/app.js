// Shared behaviour for every page: the mobile menu, the account menu, and
// live personal notifications for signed-in users.
import { connect } from "./lib/realtime.js";
import { toast } from "./lib/toast.js";
import "./lib/search-suggest.js";
import "./lib/notifications.js";
import { startCountdowns } from "./lib/countdown.js";
import { applyDataStyles } from "./lib/data-styles.js";

function setupMenu() {
  const toggle = document.querySelector(".nav-toggle");
  const links = document.getElementById("nav-links");
  if (!toggle || !links) return;
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", String(!open));
    links.classList.toggle("is-open", !open);
  });
}

function setupAccountMenu() {
  const menu = document.querySelector(".account-menu");
  if (!menu) return;
  document.addEventListener("click", (e) => {
    if (!menu.contains(e.target)) menu.removeAttribute("open");
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && menu.open) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    }
  });
}

function setupRealtime() {
  if (!document.querySelector(".account-menu")) return; // signed out
  const socket = connect();
  // Our own form posts (log out, change password) also make the server close
  // this socket; only reload when the page is not already navigating away.
  let leaving = false;
  window.addEventListener("submit", () => { leaving = true; }, true);
  window.addEventListener("pagehide", () => { leaving = true; });
  socket.on("follow.created", (e) => toast(`${e.followerName} started following you`));
  socket.on("account.updated", () => toast("Your account was updated."));
  socket.on("disconnect", (reason) => {
    // The server closes our socket when this session is signed out elsewhere.
    if (reason === "io server disconnect" && !leaving) {
      fetch("/healthz").finally(() => window.location.reload());
    }
  });
}

// An error page's "Go back" link (no `javascript:` URLs under the CSP).
function setupBackLinks() {
  for (const link of document.querySelectorAll("[data-history-back]")) {
    link.addEventListener("click", (e) => {
      if (history.length > 1) {
        e.preventDefault();
        history.back();
      }
    });
  }
}

applyDataStyles();
setupBackLinks();
setupMenu();
setupAccountMenu();
setupRealtime();
startCountdowns();
