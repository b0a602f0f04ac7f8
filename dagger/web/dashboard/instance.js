// One workflow (/dashboard/instance/<id>): its graph as SVG, task details, parameters, timeline.
"use strict";

(() => {
  const { el, svg, statusBadge, fmtTime, fmtDuration, getJSON, peers, showError } = Dash;
  const LEAF_W = 190, LEAF_H = 46, GAP_Y = 28, GAP_X = 18, PAD = 12, HEAD = 26;
  const ENDED = ["COMPLETED", "FAILURE", "SKIPPED", "STOPPED"];
  const workflowId = decodeURIComponent(location.pathname.split("/").pop() || "");
  let current = null;   // {instance, kinds}
  let shown = "";       // the JSON last drawn (redraw only on change)
  let selected = null;  // the selected task id
  let info = null;

  const statusOf = (task) => (task && task.status && task.status.code) || "";

  // -- the model: chains of tasks following next_dags, boxes for processes and composites --

  function buildModel(instance, kinds) {
    const tasks = instance.tasks || {};
    const seen = new Set();
    const kindOf = (id) => kinds[id] || (tasks[id].task_type === "SUB_DAG" ? "process" : "task");

    function item(id) {
      seen.add(id);
      const task = tasks[id];
      const kind = kindOf(id);
      if (task.task_type === "SUB_DAG") {
        return { type: "box", id, task, kind, content: chain(task.root_dag) };
      }
      if (task.task_type === "PARALLEL_COMPOSITE") {
        const lanes = (task.parallel_child_task_list || []).map(chain).filter((c) => c.items.length);
        return { type: "box", id, task, kind, content: { type: "row", items: lanes } };
      }
      return { type: "leaf", id, task, kind };
    }

    function chain(start) {
      const items = [];
      let id = start;
      while (id && tasks[id] && !seen.has(id)) {
        const node = item(id);
        items.push(node);
        const next = (tasks[id].next_dags || []).filter((n) => tasks[n] && !seen.has(n));
        if (next.length === 1) { id = next[0]; continue; }
        if (next.length > 1) {
          const decided = node.kind === "decision" && ENDED.includes(statusOf(node.task));
          const lanes = next.map((n) => {
            const lane = chain(n);
            lane.chosen = decided && !["SKIPPED", "NOT_STARTED"].includes(statusOf(tasks[n]));
            lane.skipped = decided && !lane.chosen;
            return lane;
          });
          items.push({ type: "branches", decision: node.kind === "decision", items: lanes });
        }
        break;
      }
      return { type: "chain", items };
    }

    const main = chain(instance.root_dag);
    // Tasks no next_dags/root_dag reaches (monitors, dynamic tasks): drawn apart, so that
    // every stored task has its node. Containers first, so their children go inside them.
    const rest = Object.keys(tasks).filter((id) => !seen.has(id));
    rest.sort((a, b) => (tasks[a].task_type === "LEAF") - (tasks[b].task_type === "LEAF"));
    const others = [];
    for (const id of rest) if (!seen.has(id)) others.push(chain(id));
    return { main, others: { type: "row", items: others } };
  }

  // -- sizes --

  function measure(node) {
    if (node.type === "leaf") { node.w = LEAF_W; node.h = LEAF_H; }
    else if (node.type === "box") {
      measure(node.content);
      node.w = Math.max(node.content.w + 2 * PAD, LEAF_W + 2 * PAD);
      node.h = HEAD + PAD + node.content.h + (node.content.h ? PAD : 0);
    } else if (node.type === "chain") {
      node.items.forEach(measure);
      node.w = Math.max(0, ...node.items.map((i) => i.w));
      node.h = node.items.reduce((sum, i) => sum + i.h, 0) + GAP_Y * Math.max(0, node.items.length - 1);
    } else { // row, branches
      node.items.forEach(measure);
      node.w = node.items.reduce((sum, i) => sum + i.w, 0) + GAP_X * Math.max(0, node.items.length - 1);
      node.h = Math.max(0, ...node.items.map((i) => i.h));
    }
  }

  // -- drawing --

  function shortName(task, tasks, instance) {
    const parent = tasks[task.parent_id] || (task.parent_id === instance.id ? instance : null);
    const name = String(task.task_name || task.id);
    const prefix = parent && parent.task_name ? `${parent.task_name}.` : `${instance.template_name}.`;
    return name.startsWith(prefix) ? name.slice(prefix.length) : name;
  }

  function clip(text, max) { return text.length > max ? `${text.slice(0, max - 1)}\u2026` : text; }

  function nodeGroup(node, ctx) {
    const status = statusOf(node.task);
    const g = svg("g", {
      class: `node ${node.type === "box" ? "box" : "leaf"} st-${status}${node.id === selected ? " selected" : ""}`,
      "data-task-id": node.id, "data-status": status, "data-kind": node.kind,
      tabindex: 0, role: "button",
    });
    const title = svg("title");
    title.textContent = `${node.task.task_name} (${node.kind}, ${status})`;
    g.append(title);
    g.addEventListener("click", (event) => { event.stopPropagation(); select(node.id); });
    g.addEventListener("keydown", (event) => { if (event.key === "Enter") select(node.id); });
    ctx.nodes.append(g);
    return g;
  }

  function label(g, x, y, text, cls) {
    const t = svg("text", { x, y, class: cls });
    t.textContent = text;
    g.append(t);
  }

  function draw(node, x, y, ctx) {
    // Returns the anchor points: where an edge into the node ends and out of it starts.
    if (node.type === "leaf" || node.type === "box") {
      const g = nodeGroup(node, ctx);
      const name = clip(shortName(node.task, ctx.tasks, ctx.instance), 26);
      const status = statusOf(node.task);
      if (node.type === "leaf") {
        g.append(svg("rect", { x, y, width: node.w, height: node.h, rx: 7, class: "shape" }));
        label(g, x + 10, y + 19, name, "name");
        label(g, x + 10, y + 36, `${node.kind} \u00b7 ${status}`, "sub");
      } else {
        g.append(svg("rect", { x, y, width: node.w, height: node.h, rx: 9, class: "frame" }));
        g.append(svg("rect", { x, y, width: node.w, height: HEAD, rx: 9, class: "shape head" }));
        label(g, x + 10, y + 17, `${name}  \u00b7 ${node.kind} \u00b7 ${status}`, "name");
        const inner = x + (node.w - node.content.w) / 2;
        draw(node.content, inner, y + HEAD + PAD, ctx);
      }
      return { top: [x + node.w / 2, y], bottom: [x + node.w / 2, y + node.h] };
    }
    if (node.type === "chain") {
      let cursor = y;
      let previous = null;
      let first = null;
      for (const child of node.items) {
        const cx = x + (node.w - child.w) / 2;
        const anchors = draw(child, cx, cursor, ctx);
        if (previous) edges(previous.bottom, anchors.tops || [anchors.top], ctx, anchors.lanes);
        first = first || anchors;
        previous = anchors;
        cursor += child.h + GAP_Y;
      }
      return { top: first ? first.top || first.tops[0] : [x + node.w / 2, y],
        bottom: previous ? previous.bottom || [x + node.w / 2, y + node.h] : [x + node.w / 2, y] };
    }
    // row, branches: side by side
    let cursor = x;
    const tops = [];
    const lanes = [];
    for (const child of node.items) {
      const anchors = draw(child, cursor, y, ctx);
      tops.push(anchors.top);
      lanes.push(child);
      cursor += child.w + GAP_X;
    }
    return node.type === "branches" ? { tops, lanes, bottom: null } : { top: [x + node.w / 2, y], bottom: [x + node.w / 2, y + node.h] };
  }

  function edges(from, tos, ctx, lanes) {
    tos.forEach((to, i) => {
      const lane = lanes ? lanes[i] : null;
      const cls = lane && lane.chosen ? "edge chosen" : lane && lane.skipped ? "edge not-chosen" : "edge";
      const midY = (from[1] + to[1]) / 2;
      ctx.edges.append(svg("path", {
        d: `M${from[0]},${from[1]} C${from[0]},${midY} ${to[0]},${midY} ${to[0]},${to[1] - 4}`,
        class: cls, "marker-end": "url(#arrow)",
      }));
      if (lane && lane.chosen) {
        const t = svg("text", { x: to[0] + 6, y: to[1] - 8, class: "edge-label" });
        t.textContent = "chosen";
        ctx.labels.append(t);
      }
    });
  }

  function drawGraph(instance, kinds) {
    const model = buildModel(instance, kinds);
    measure(model.main);
    measure(model.others);
    const othersGap = model.others.items.length ? 44 : 0;
    const width = Math.max(model.main.w, model.others.w) + 2 * PAD;
    const height = model.main.h + othersGap + model.others.h + 2 * PAD;
    const root = svg("svg", {
      width, height, viewBox: `0 0 ${width} ${height}`, class: "dag", role: "img",
      "aria-label": "the workflow's tasks",
    });
    const defs = svg("defs");
    const marker = svg("marker", {
      id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 8, markerHeight: 8,
      markerUnits: "userSpaceOnUse", orient: "auto",
    });
    marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }));
    defs.append(marker);
    const ctx = { edges: svg("g"), nodes: svg("g"), labels: svg("g"), tasks: instance.tasks || {}, instance };
    // Edges above the nodes: a process frame would hide the edges inside it.
    root.append(defs, ctx.nodes, ctx.edges, ctx.labels);
    draw(model.main, PAD + (width - 2 * PAD - model.main.w) / 2, PAD, ctx);
    if (model.others.items.length) {
      const y = PAD + model.main.h + othersGap;
      const t = svg("text", { x: PAD, y: y - 12, class: "section-label" });
      t.textContent = "Not linked from the workflow (monitors, added tasks)";
      root.append(t);
      draw(model.others, PAD, y, ctx);
    }
    const box = document.getElementById("graph");
    box.replaceChildren(root);
    box.onclick = () => select(null);
  }

  function legend() {
    const items = Dash.STATUSES.map((code) => {
      const item = el("span", { class: "legend-item" });
      item.append(el("span", { class: `swatch st-${code}` }), document.createTextNode(code));
      return item;
    });
    document.getElementById("legend").replaceChildren(...items);
  }

  // -- details of the selected task --

  function select(id) {
    selected = id;
    for (const g of document.querySelectorAll("#graph [data-task-id]")) {
      g.classList.toggle("selected", g.getAttribute("data-task-id") === id);
    }
    renderDetails();
  }

  function renderDetails() {
    const list = document.getElementById("details-list");
    const task = current && selected ? (current.instance.tasks || {})[selected] : null;
    document.getElementById("details-hint").hidden = Boolean(task);
    if (!task) { list.replaceChildren(); return; }
    const instance = current.instance;
    const kind = current.kinds[selected] || task.task_type;
    const rows = [];
    const add = (term, value) => {
      if (value === undefined || value === null || value === "") return;
      rows.push(el("dt", {}, term), el("dd", { "data-field": term }, value));
    };
    const ns = task.__faust && task.__faust.ns;
    add("Name", task.task_name);
    add("Id", task.id);
    add("Type", ns ? `${kind} (${ns})` : kind);
    add("Status", statusOf(task));
    add("Created", fmtTime(task.time_created));
    add("Started", fmtTime(task.time_submitted));
    add("Ended", fmtTime(task.time_completed));
    if (task.time_submitted) {
      const end = task.time_completed || (ENDED.includes(statusOf(task)) ? 0 : Date.now() / 1000);
      add("Duration", end ? fmtDuration(end - task.time_submitted) : "-");
    }
    if ("attempt" in task) add("Attempts", task.attempt);
    if (task.retry_at) add("Next attempt", fmtTime(task.retry_at));
    if (task.last_error) add("Last error", task.last_error);
    else if (task.message && statusOf(task) === "FAILURE") add("Error", task.message);
    const correlation = (instance.sensor_tasks_to_correletable_map || {})[selected];
    if (correlation) {
      add("Correlation key", correlation.correlatable_key_attr);
      add("Correlation value", JSON.stringify(correlation.correlatable_key_attr_value));
    } else if (kind === "listener") {
      add("Correlation key", task.correlatable_key);
    }
    add("Topic", task.topic);
    if (task.time_to_execute) add("Due", fmtTime(task.time_to_execute));
    add("Every (s)", task.interval_execute_period);
    if (task.time_to_force_complete) add("Completes by", fmtTime(task.time_to_force_complete));
    add("Join", task.operator_type);
    if (kind === "decision") {
      const chosen = (task.next_dags || []).map((n) => instance.tasks[n]).filter(
        (t) => t && !["SKIPPED", "NOT_STARTED"].includes(statusOf(t)));
      if (ENDED.includes(statusOf(task))) add("Chosen", chosen.map((t) => t.task_name).join(", ") || "none");
    }
    list.replaceChildren(...rows);
  }

  // -- parameters, timeline, header --

  function renderTimeline(instance) {
    const events = [];
    const created = instance.time_created;
    const push = (time, who, what, order) => { if (time) events.push({ time, who, what, order }); };
    push(instance.time_created, "workflow", "created", 0);
    push(instance.time_submitted, "workflow", "started", 1);
    if (ENDED.includes(statusOf(instance))) push(instance.time_completed, "workflow", statusOf(instance), 3);
    for (const task of Object.values(instance.tasks || {})) {
      const name = shortName(task, instance.tasks, instance);
      if (task.time_created !== created) push(task.time_created, name, "created", 0);
      push(task.time_submitted, name, "started", 1);
      if (ENDED.includes(statusOf(task))) push(task.time_completed, name, statusOf(task), 2);
    }
    events.sort((a, b) => a.time - b.time || a.order - b.order);
    const rows = events.map((e) => {
      const tr = el("tr", { "data-event": e.what });
      tr.append(el("td", {}, fmtTime(e.time)), el("td", {}, e.who), el("td", {}, e.what));
      return tr;
    });
    document.querySelector("#timeline tbody").replaceChildren(...rows);
  }

  function renderHead(instance) {
    document.title = `${instance.template_name} ${instance.id}`;
    document.getElementById("wf-template").textContent = instance.template_name;
    document.getElementById("wf-status").replaceWith(
      Object.assign(statusBadge(statusOf(instance)), { id: "wf-status" }));
    document.getElementById("wf-id").textContent = instance.id;
    document.getElementById("wf-created").textContent = fmtTime(instance.time_created);
    document.getElementById("wf-updated").textContent = fmtTime(instance.lastupdated);
    document.getElementById("params").textContent =
      JSON.stringify(instance.runtime_parameters || {}, null, 2);
    const actions = document.getElementById("actions");
    actions.hidden = !(info && info.actions);
    const status = statusOf(instance);
    document.getElementById("stop").disabled = ENDED.includes(status);
    const failed = status === "FAILURE" ||
      Object.values(instance.tasks || {}).some((t) => statusOf(t) === "FAILURE");
    document.getElementById("retry").disabled = !failed; // the engine retries failed tasks
  }

  async function act(what) {
    const result = document.getElementById("action-result");
    if (!Dash.token()) {
      result.textContent = "Enter the web token first.";
      document.getElementById("token-form").hidden = false;
      return;
    }
    result.textContent = `${what}...`;
    const answer = await Dash.post(`/tasks/instance/${encodeURIComponent(workflowId)}/${what}`);
    const error = answer.body && answer.body.error;
    result.textContent = answer.status >= 200 && answer.status < 300
      ? `${what}: accepted` : `${what} refused: ${error || `HTTP ${answer.status}`}`;
    await refreshNow();
  }

  // -- loading --

  async function refresh() {
    const infoAnswer = await getJSON("", "/dashboard/api/info");
    info = infoAnswer.status === 200 ? infoAnswer.body : null;
    Dash.tokenForm(Boolean(info && (info.reads_need_token || info.actions)), () => refreshNow());
    const path = `/dashboard/api/instance/${encodeURIComponent(workflowId)}`;
    const local = await getJSON("", path);
    let answer = local;
    if (local.status === 404) {
      for (const origin of peers()) {
        const remote = await getJSON(origin, path);
        if (remote.status === 200) { location.replace(`${origin}/dashboard/instance/${encodeURIComponent(workflowId)}`); return; }
      }
    }
    if (answer.status !== 200) {
      showError((answer.body && answer.body.error) || `HTTP ${answer.status}`);
      return;
    }
    showError("");
    const text = JSON.stringify(answer.body);
    renderHead(answer.body.instance);
    if (text === shown) return;
    shown = text;
    current = answer.body;
    drawGraph(current.instance, current.kinds || {});
    renderDetails();
    renderTimeline(current.instance);
  }

  const query = new URLSearchParams();
  for (const p of peers()) query.append("peer", p);
  if (query.toString()) document.getElementById("back").href = `/dashboard?${query}`;
  document.getElementById("stop").addEventListener("click", () => act("stop"));
  document.getElementById("retry").addEventListener("click", () => act("retry"));
  legend();
  Dash.searchBox();
  let refreshNow = () => {};
  refreshNow = Dash.poll(refresh);
})();
