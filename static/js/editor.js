/* The ruleset editor: add, move, remove and (de)activate rule cards; show the inputs of each condition type.
   The order of the cards is sent in each card's hidden ORDER field (Django formset ordering). */
(function () {
  "use strict";
  var rules = document.getElementById("rules");
  if (!rules) return;
  var total = document.getElementById("id_rules-TOTAL_FORMS");

  function cards() { return Array.prototype.slice.call(rules.querySelectorAll("[data-rule]")); }

  function renumber() {
    var n = 0;
    cards().forEach(function (card) {
      var order = card.querySelector("input[name$='-ORDER']");
      if (order) order.value = cards().indexOf(card) + 1;
      var removed = card.querySelector("input[name$='-DELETE']");
      var gone = removed && removed.checked;
      card.classList.toggle("removed", gone);
      card.querySelector("[data-pos]").textContent = gone ? "–" : String(++n);
    });
  }

  function showMode(card) {
    var checked = card.querySelector("input[name$='-mode']:checked");
    var mode = checked ? checked.value : "expression";
    card.querySelectorAll("[data-when]").forEach(function (block) {
      block.hidden = block.getAttribute("data-when") !== mode;
    });
    if (mode === "builder") {
      var rows = card.querySelector("[id$='-rows']");
      var add = card.querySelector("[data-add-row='builder-row-tpl']");
      if (rows && add && !rows.children.length) add.click();
    }
  }

  rules.addEventListener("click", function (event) {
    var move = event.target.closest("[data-move]");
    if (!move) return;
    var card = move.closest("[data-rule]");
    if (move.getAttribute("data-move") === "-1" && card.previousElementSibling) {
      rules.insertBefore(card, card.previousElementSibling);
    } else if (move.getAttribute("data-move") === "1" && card.nextElementSibling) {
      rules.insertBefore(card.nextElementSibling, card);
    }
    renumber();
    move.focus();
  });

  rules.addEventListener("change", function (event) {
    var card = event.target.closest("[data-rule]");
    if (!card) return;
    if (event.target.matches("input[name$='-mode']")) showMode(card);
    if (event.target.matches("input[name$='-DELETE']")) renumber();
    if (event.target.matches("input[name$='-is_active']")) card.classList.toggle("inactive", !event.target.checked);
  });

  document.getElementById("add-rule").addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = document.getElementById("empty-rule").innerHTML.replace(/__prefix__/g, String(index));
    rules.insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
    var card = rules.lastElementChild;
    card.querySelector("input[name$='-name']").value = "Rule " + (cards().length);
    if (window.htmx) htmx.process(card);
    showMode(card);
    renumber();
    card.querySelector("input[name$='-name']").focus();
  });

  cards().forEach(showMode);
  renumber();
})();
