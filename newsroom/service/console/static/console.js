// The console without reloads: keyboard shortcuts and actions by fetch. Everything here
// is also possible without it (plain forms, POST then 303).
(() => {
  "use strict";
  const csrf = document.body.dataset.csrf;
  const queue = document.getElementById("queue");
  if (!csrf || !queue) return;
  const rows = () => [...queue.querySelectorAll(".item")];
  const live = Object.assign(document.createElement("p"), { className: "sr-only" });
  live.setAttribute("role", "status");
  document.body.append(live);
  const say = (text) => { live.textContent = text; };
  let current = -1;

  const focusRow = (index) => {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => row.classList.toggle("current", i === current));
    all[current].focus();
    all[current].scrollIntoView({ block: "nearest" });
  };

  const post = async (body) => {
    const answer = await fetch("/moderate/act", {
      method: "POST",
      body: new URLSearchParams(body),
      headers: { Accept: "application/json", "X-CSRF-Token": csrf },
      credentials: "same-origin",
    });
    if (answer.status === 401) { location.assign("/moderate/login"); return null; }
    const data = await answer.json();
    if (!answer.ok) { say(data.error || "Not done."); return null; }
    return data;
  };

  const refreshCounts = async () => {
    const answer = await fetch(location.href, { headers: { Accept: "application/json" } });
    if (!answer.ok) return;
    const { counts } = await answer.json();
    document.querySelectorAll("[data-count]").forEach((el) => {
      if (el.dataset.count in counts) el.textContent = counts[el.dataset.count];
    });
  };

  const finished = (data) => {
    const changed = new Set(data.changed.map(String));
    rows().forEach((row) => {
      if (!changed.has(row.dataset.id)) return;
      row.classList.add("done");
      row.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      const box = row.querySelector("input[type=checkbox]");
      if (box) box.checked = false;
    });
    say(`${data.action}: ${data.changed.length} comment${data.changed.length === 1 ? "" : "s"}.`);
    refreshCounts();
  };

  queue.addEventListener("submit", async (event) => {
    const button = event.submitter;
    if (!button) return;
    event.preventDefault();
    const body = new FormData(queue);
    if (button.name === "do") {
      body.delete("id");
      body.set("do", button.value);
    }
    const data = await post(body);
    if (data) finished(data);
  });

  const press = (key) => {
    const row = rows()[current];
    if (!row) return;
    const target = row.querySelector(`[data-key="${key}"]`);
    if (target && !target.disabled) target.click();
  };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select, button, [contenteditable]")) return;
    const key = event.key;
    if (key === "j") focusRow(current + 1);
    else if (key === "k") focusRow(current - 1);
    else if ("asnr".includes(key) && key.length === 1) press(key);
    else if (key === "x") {
      const box = rows()[current]?.querySelector("input[type=checkbox]");
      if (box) box.checked = !box.checked;
    } else return;
    event.preventDefault();
  });
})();
