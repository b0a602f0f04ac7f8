// The workflow list (/dashboard): rows of this worker and of any ?peer=<url>, filters, paging.
"use strict";

(() => {
  const { el, statusBadge, fmtTime, getJSON, peers, showError } = Dash;
  const params = new URLSearchParams(location.search);
  const state = {
    status: params.get("status") || "",
    template: params.get("template") || "",
    limit: Number(params.get("limit")) || 50,
    offset: Math.max(0, Number(params.get("offset")) || 0),
    more: false,
  };
  const sources = ["", ...peers()];

  function keepInURL() {
    const query = new URLSearchParams();
    for (const p of peers()) query.append("peer", p);
    for (const key of ["status", "template"]) if (state[key]) query.set(key, state[key]);
    if (state.limit !== 50) query.set("limit", state.limit);
    if (state.offset) query.set("offset", state.offset);
    const suffix = query.toString() ? `?${query}` : "";
    history.replaceState(null, "", `/dashboard${suffix}`);
  }

  function scopeText(info, failures) {
    const parts = [];
    if (!info) {
      parts.push("This worker did not describe itself.");
    } else if (info.owned_partitions === null) {
      parts.push("This worker's store holds every workflow: the list is complete.");
    } else {
      const owned = info.owned_partitions.length ? info.owned_partitions.join(", ") : "none yet";
      parts.push(`This worker lists the workflows it owns (partitions ${owned} of the tasks ` +
        "topic). Add ?peer=<url of another worker> to merge other workers' lists.");
    }
    if (sources.length > 1) parts.push(`Merged with ${sources.slice(1).join(", ")}.`);
    if (failures.length) parts.push(`Not answering: ${failures.join("; ")}.`);
    return parts.join(" ");
  }

  function renderSummary(statuses, total, truncated) {
    const box = document.getElementById("summary");
    const chips = [el("span", { class: "total" }, `${total}${truncated ? "+" : ""} workflows`)];
    for (const code of Dash.STATUSES) {
      const chip = el("button", {
        type: "button", class: `chip st-${code}`, "data-status": code,
        "aria-pressed": state.status === code ? "true" : "false",
      });
      chip.append(el("span", { class: "chip-name" }, code), el("span", { class: "count" }, statuses[code] || 0));
      chip.addEventListener("click", () => {
        state.status = state.status === code ? "" : code;
        state.offset = 0;
        refreshNow();
      });
      chips.push(chip);
    }
    box.replaceChildren(...chips);
  }

  function fillSelect(select, values, selected) {
    const options = [el("option", { value: "" }, "any")];
    for (const value of values) options.push(el("option", { value }, value));
    select.replaceChildren(...options);
    select.value = selected;
  }

  function renderRows(rows) {
    const body = document.querySelector("#instances tbody");
    body.replaceChildren(...rows.map(({ row, origin }) => {
      const link = el("a", { href: `${origin}/dashboard/instance/${encodeURIComponent(row.id)}` }, row.id);
      const cells = [
        el("td", { class: "id" }), el("td", {}, row.template), el("td", {}),
        el("td", {}, fmtTime(row.created)), el("td", {}, fmtTime(row.updated)),
        el("td", { class: "current" }, row.current_task || ""),
        el("td", { class: "worker-col" }, origin || location.origin),
      ];
      cells[0].append(link);
      cells[2].append(statusBadge(row.status));
      const tr = el("tr", { "data-id": row.id, "data-status": row.status });
      tr.append(...cells);
      return tr;
    }));
    document.getElementById("empty").hidden = rows.length > 0;
    document.getElementById("instances").classList.toggle("merged", sources.length > 1);
  }

  let latest = 0;
  async function refresh() {
    const seq = ++latest;
    keepInURL();
    const infoAnswer = await getJSON("", "/dashboard/api/info");
    const info = infoAnswer.status === 200 ? infoAnswer.body : null;
    Dash.tokenForm(Boolean(info && info.reads_need_token), refreshNow);
    const query = new URLSearchParams({ limit: state.limit, offset: state.offset });
    if (state.status) query.set("status", state.status);
    if (state.template) query.set("template", state.template);
    const answers = await Promise.all(sources.map(async (origin) => ({
      origin,
      summary: await getJSON(origin, "/dashboard/api/summary"),
      page: await getJSON(origin, `/dashboard/api/instances?${query}`),
    })));
    if (seq !== latest) return; // a newer refresh (a click) is under way
    const statuses = {};
    const templates = new Set();
    let total = 0;
    let truncated = false;
    const rows = [];
    const failures = [];
    state.more = false;
    for (const { origin, summary, page } of answers) {
      if (summary.status !== 200 || page.status !== 200) {
        const answer = summary.status !== 200 ? summary : page;
        const why = (answer.body && answer.body.error) || `HTTP ${answer.status}`;
        failures.push(`${origin || "this worker"}: ${why}`);
        continue;
      }
      total += summary.body.total;
      truncated = truncated || summary.body.truncated;
      for (const [code, n] of Object.entries(summary.body.statuses)) statuses[code] = (statuses[code] || 0) + n;
      for (const name of Object.keys(summary.body.templates)) templates.add(name);
      for (const row of page.body.rows) rows.push({ row, origin });
      state.more = state.more || page.body.more;
    }
    if (state.template) templates.add(state.template);
    showError(failures.length && failures.length === sources.length ? failures.join("; ") : "");
    document.getElementById("scope").textContent = scopeText(info, failures);
    renderSummary(statuses, total, truncated);
    fillSelect(document.getElementById("status-filter"), Dash.STATUSES, state.status);
    fillSelect(document.getElementById("template-filter"), [...templates].sort(), state.template);
    document.getElementById("limit").value = String(state.limit);
    renderRows(rows);
    const first = rows.length ? state.offset + 1 : state.offset;
    document.getElementById("page-label").textContent =
      `${first}-${state.offset + Math.min(rows.length, state.limit)}`;
    document.getElementById("prev").disabled = state.offset === 0;
    document.getElementById("next").disabled = !state.more;
  }

  let refreshNow = () => {};
  document.getElementById("status-filter").addEventListener("change", (event) => {
    state.status = event.target.value; state.offset = 0; refreshNow();
  });
  document.getElementById("template-filter").addEventListener("change", (event) => {
    state.template = event.target.value; state.offset = 0; refreshNow();
  });
  document.getElementById("limit").addEventListener("change", (event) => {
    state.limit = Number(event.target.value); state.offset = 0; refreshNow();
  });
  document.getElementById("prev").addEventListener("click", () => {
    state.offset = Math.max(0, state.offset - state.limit); refreshNow();
  });
  document.getElementById("next").addEventListener("click", () => {
    state.offset += state.limit; refreshNow();
  });
  document.getElementById("filters").addEventListener("submit", (event) => event.preventDefault());
  Dash.searchBox();
  refreshNow = Dash.poll(refresh);
})();
