// Enhances the comment form, which works without it.
(() => {
  const section = document.getElementById("comments");
  const form = document.getElementById("comment-form");
  if (!form) return;
  const fields = form.elements;
  const api = section.dataset.api;
  const json = "application/json";
  const list = section.querySelector(".comment-list");
  const home = form.parentNode;
  const heading = section.querySelector("h2");
  const title = heading.textContent.replace(/^[^“]*/, "");
  const down = "Posting comments is unavailable right now.";
  // The proof that this reader wrote their earlier comments (moderation "known").
  const keep = (t) => { try { return t ? localStorage.setItem("newsroom-author", t) : localStorage.getItem("newsroom-author"); } catch {} };
  const el = (tag, cls = "", text = "") =>
    Object.assign(document.createElement(tag), { className: cls, textContent: text });
  const status = document.getElementById("comment-status");
  const say = (text, error) => {
    status.textContent = text;
    status.className = error ? "notice error" : "notice";
    status.hidden = 0;
  };
  const showErrors = (errors) => {
    let first;
    for (const [name, message] of Object.entries(errors)) {
      const field = fields[name];
      if (!field?.id) { say(message, true); continue; }
      const note = el("span", "field-error", message);
      note.id = field.id + "-error";
      field.after(note);
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", note.id);
      first = first || field;
    }
    if (first) first.focus();
  };
  const render = (c, pending) => {
    const item = el("li", "comment" + (pending ? " comment-pending" : c.staff ? " comment-staff" : ""));
    if (!pending) item.id = "comment-" + c.id;
    const meta = el("p", "comment-meta");
    const site = /^https?:\/\//i.test(c.url) && c.url;
    const who = Object.assign(el(site ? "a" : "span", "comment-author", c.author), site ? { href: site, rel: "nofollow ugc" } : {});
    const at = c.created || new Date().toISOString();
    const when = Object.assign(el("time", "", new Date(at).toLocaleDateString()), { dateTime: at });
    meta.append(who, ...(c.staff ? [" ", el("span", "staff-badge", "Newsroom")] : []), " · ", when);
    if (pending) meta.append(" · ", el("strong", "", "Awaiting moderation"));
    const body = el("div", "comment-body", pending ? c.body : "");
    if (!pending) body.innerHTML = c.body_html; // sanitised by the service
    item.append(meta, body);
    if (!pending) item.append(Object.assign(el("a", "reply-link", "Reply to " + c.author), { href: "#comment-form" }));
    return item;
  };
  const place = (item, parentId) => {
    const parent = parentId && document.getElementById("comment-" + parentId);
    let into = list;
    if (parent) {
      into = parent.querySelector(":scope > .comment-replies");
      if (!into) parent.append((into = el("ol", "comment-replies")));
    }
    into.append(item);
  };
  const replyTo = (link) => {
    const comment = link.closest(".comment");
    fields.parent.value = comment.id.slice(8); // comment-ID
    comment.append(form);
    const note = form.querySelector(".replying") || el("p", "replying");
    const cancel = Object.assign(el("button", "", "Cancel reply"), { type: "button" });
    cancel.onclick = () => { fields.parent.value = ""; note.remove(); home.append(form); };
    note.replaceChildren(link.textContent + ". ", cancel);
    form.querySelector(".field").before(note);
    fields.author.focus();
  };
  section.addEventListener("click", (e) => {
    const link = e.target.closest(".reply-link");
    if (link) { e.preventDefault(); replyTo(link); }
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    for (const note of form.querySelectorAll(".field-error")) {
      note.parentElement.querySelector("[aria-invalid]")?.removeAttribute("aria-invalid");
      note.remove();
    }
    const data = Object.fromEntries(new FormData(form));
    data.url ||= undefined;
    data.parent = +data.parent || undefined;
    data.notify = data.notify === "on"; // the box: sent as a boolean
    say("Sending…");
    let response;
    const headers = { "Content-Type": json, Accept: json }, proof = keep();
    if (proof) headers["Newsroom-Author"] = proof;
    try {
      response = await fetch(api, { method: "POST", headers, body: JSON.stringify(data) });
    } catch {
      return say(down + " Your text is kept.", true);
    }
    const answer = await response.json().catch(() => ({}));
    if (response.ok) {
      if (answer.author_token) keep(answer.author_token);
      place(render(data, true), data.parent);
      fields.body.value = "";
      say("Thank you. Your comment is " + (answer.status === "approved" ? "published." : "awaiting moderation."));
    } else if (answer.errors) {
      say("Please correct the fields marked.", true);
      showErrors(answer.errors);
    } else {
      say(`Your comment could not be posted (${response.status}).`, true);
    }
  });
  // The thread's comments: the file published beside the page, if the site has it, else the API.
  const get = (url) => fetch(url, { headers: { Accept: json } }).then((r) => (r.ok ? r.json() : Promise.reject(r)));
  const { static: published, thread } = section.dataset;
  (published ? get(published) : Promise.reject())
    .catch(() => get(api + "?thread=" + encodeURIComponent(thread)))
    .then((answer) => {
      for (const c of answer.comments) if (!document.getElementById("comment-" + c.id)) place(render(c), c.parent);
      const n = list.querySelectorAll(".comment[id]").length;
      if (n) heading.textContent = `${n} comment${n > 1 ? "s" : ""} on ${title}`;
    })
    .catch(() => say(down, true));
})();
