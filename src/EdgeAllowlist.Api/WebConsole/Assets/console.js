// The console works without this file; it adds copy buttons, live countdowns, confirmations and the wildcard hint.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      try { await navigator.clipboard.writeText(source.value ?? source.textContent); }
      catch { source.select?.(); document.execCommand("copy"); }
      button.textContent = "Copied";
    });
  }
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", e => { if (!window.confirm(form.dataset.confirm)) e.preventDefault(); });
  }
  const countdowns = document.querySelectorAll("[data-countdown]");
  const tick = () => {
    for (const el of countdowns) {
      const left = Math.floor((Date.parse(el.getAttribute("datetime")) - Date.now()) / 1000);
      if (Number.isNaN(left)) continue;
      if (left <= 0) { el.textContent = "ended"; continue; }
      const d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
      el.textContent = (d ? d + " d " : "") + String(h).padStart(2, "0") + ":" + String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0") + " left";
    }
  };
  if (countdowns.length) { tick(); setInterval(tick, 1000); }
  const pattern = document.getElementById("ua-pattern"), kind = document.getElementById("ua-kind"), hint = document.getElementById("ua-hint");
  if (pattern && kind && hint) {
    const update = () => { hint.hidden = !(kind.value !== "wildcard" && pattern.value.includes("*")); };
    pattern.addEventListener("input", update); kind.addEventListener("change", update); update();
  }
});
