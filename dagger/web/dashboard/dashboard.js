// Shared by the dashboard's pages. Every value read from the JSON is put on the page with
// textContent or setAttribute, never parsed as HTML, so stored data cannot run as script.
"use strict";

const Dash = (() => {
  const STATUSES = [
    "NOT_STARTED", "SUBMITTED", "EXECUTING", "COMPLETED", "FAILURE", "SKIPPED", "STOPPED",
  ];
  const TOKEN_KEY = "dagger-dashboard-token";
  const POLL_MS = 3000;

  /** An element with attributes and text content. */
  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null) node.setAttribute(name, String(value));
    }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** An SVG element with attributes. */
  function svg(tag, attrs) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      node.setAttribute(name, String(value));
    }
    return node;
  }

  function statusBadge(code) {
    const known = STATUSES.includes(code) ? code : "UNKNOWN";
    return el("span", { class: `badge st-${known}`, "data-status": code }, code || "?");
  }

  function pad(n) { return String(n).padStart(2, "0"); }

  /** Epoch seconds as local "YYYY-MM-DD HH:MM:SS"; 0 or missing as "-". */
  function fmtTime(epoch) {
    if (!epoch) return "-";
    const d = new Date(Number(epoch) * 1000);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
      `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }

  function fmtDuration(seconds) {
    if (seconds === null || seconds === undefined || seconds < 0) return "-";
    if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
    const m = Math.floor(seconds / 60);
    if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
    return `${Math.floor(m / 60)} h ${m % 60} min`;
  }

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }

  /** The other workers given as ?peer=<url> (http and https origins only). */
  function peers() {
    const out = [];
    for (const raw of new URLSearchParams(location.search).getAll("peer")) {
      try {
        const url = new URL(raw);
        if ((url.protocol === "http:" || url.protocol === "https:") &&
            url.origin !== location.origin && !out.includes(url.origin)) {
          out.push(url.origin);
        }
      } catch (e) { /* not a URL: ignored */ }
    }
    return out;
  }

  /** GET a JSON path on this worker ("" origin) or a peer; {status, body} or {status: 0}. */
  async function getJSON(origin, path) {
    const headers = {};
    if (token()) headers.Authorization = `Bearer ${token()}`;
    try {
      const response = await fetch(origin + path, { headers, cache: "no-store" });
      let body = null;
      try { body = await response.json(); } catch (e) { body = null; }
      return { status: response.status, body };
    } catch (e) {
      return { status: 0, body: { error: `${origin || "this worker"} did not answer` } };
    }
  }

  /** POST with the token; {status, body}. */
  async function post(path) {
    const headers = {};
    if (token()) headers.Authorization = `Bearer ${token()}`;
    try {
      const response = await fetch(path, { method: "POST", headers });
      let body = null;
      try { body = await response.json(); } catch (e) { body = null; }
      return { status: response.status, body };
    } catch (e) {
      return { status: 0, body: { error: "the worker did not answer" } };
    }
  }

  function showError(text) {
    const node = document.getElementById("error");
    node.textContent = text || "";
    node.hidden = !text;
  }

  /** Show the token form when needed; calls onToken after the user enters one. */
  function tokenForm(needed, onToken) {
    const form = document.getElementById("token-form");
    form.hidden = !needed;
    const input = document.getElementById("token-input");
    input.placeholder = token() ? "token set (replace)" : "web token";
    form.onsubmit = (event) => {
      event.preventDefault();
      if (input.value) sessionStorage.setItem(TOKEN_KEY, input.value);
      input.value = "";
      input.placeholder = "token set (replace)";
      onToken();
    };
  }

  /** The search box: open the typed workflow id on the instance page. */
  function searchBox() {
    document.getElementById("search").addEventListener("submit", (event) => {
      event.preventDefault();
      const id = document.getElementById("search-id").value.trim();
      if (!id) return;
      const query = new URLSearchParams();
      for (const p of peers()) query.append("peer", p);
      const suffix = query.toString() ? `?${query}` : "";
      location.href = `/dashboard/instance/${encodeURIComponent(id)}${suffix}`;
    });
  }

  /** Run refresh now and then every few seconds (not while the tab is hidden). */
  function poll(refresh) {
    let timer = null;
    const run = async () => {
      clearTimeout(timer);
      if (!document.hidden) {
        try { await refresh(); } catch (e) { showError(String(e)); }
        const stamp = document.getElementById("refreshed");
        if (stamp) stamp.textContent = `Last refresh ${fmtTime(Date.now() / 1000)}.`;
      }
      timer = setTimeout(run, POLL_MS);
    };
    document.addEventListener("visibilitychange", () => { if (!document.hidden) run(); });
    run();
    return run;
  }

  return {
    STATUSES, el, svg, statusBadge, fmtTime, fmtDuration, token, peers, getJSON, post,
    showError, tokenForm, searchBox, poll,
  };
})();
