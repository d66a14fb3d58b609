import { test } from "node:test";
import assert from "node:assert/strict";

import {
  NOT_APPROVED_TEXT,
  categoryName,
  fillTemplate,
  forgetTemplates,
  languageName,
  loadTemplates,
  matchTemplates,
  previewParts,
  templateMeta,
  templateProblem,
  typeName,
  variableNames,
} from "../../js/templates.js";

const ORDER = {
  content_sid: "HXa1b2c3d4e5f60718293a4b5c6d7e8f90",
  friendly_name: "order_update",
  language: "en",
  category: "UTILITY",
  body: "Hi {{1}}, your order {{2}} is on its way.",
  variables: { 1: "Ana", 2: "A-1042" },
  types: ["twilio/text"],
};
const APPOINTMENT = {
  content_sid: "HXb2c3d4e5f60718293a4b5c6d7e8f90a1",
  friendly_name: "appointment_reminder",
  language: "es",
  category: "UTILITY",
  body: "Hola {{1}}, ¿confirmas tu cita del {{2}}?",
  variables: { 1: "Luis", 2: "12/05" },
  types: ["twilio/quick-reply"],
};

test("the preview fills the variables typed and shows the samples of the empty ones", () => {
  assert.equal(fillTemplate(ORDER.body, { 1: "Zoë" }, ORDER.variables), "Hi Zoë, your order A-1042 is on its way.");
  assert.equal(fillTemplate(ORDER.body, { 1: "Zoë", 2: "B-7" }, ORDER.variables), "Hi Zoë, your order B-7 is on its way.");
  assert.equal(fillTemplate(ORDER.body, {}, ORDER.variables), "Hi Ana, your order A-1042 is on its way.");
  // Blank is empty: the sample shows.
  assert.equal(fillTemplate(ORDER.body, { 1: "   " }, ORDER.variables), "Hi Ana, your order A-1042 is on its way.");
  // Without value or sample, the placeholder stays as it is.
  assert.equal(fillTemplate("Hi {{1}} and {{ 3 }}", {}, {}), "Hi {{1}} and {{ 3 }}");
  assert.equal(fillTemplate(undefined), "");
});

test("the preview's pieces say which text the agent typed and which is a sample", () => {
  assert.deepEqual(previewParts(ORDER.body, { 1: "Zoë" }, ORDER.variables), [
    { kind: "text", text: "Hi " },
    { kind: "value", name: "1", text: "Zoë" },
    { kind: "text", text: ", your order " },
    { kind: "sample", name: "2", text: "A-1042" },
    { kind: "text", text: " is on its way." },
  ]);
  assert.deepEqual(previewParts("{{1}}", {}, {}), [{ kind: "missing", name: "1", text: "{{1}}" }]);
  // A value is text, never markup.
  assert.equal(fillTemplate("Hi {{1}}", { 1: "<b>{{2}}</b>" }, { 2: "x" }), "Hi <b>{{2}}</b>");
});

test("a template's variables are its samples' and its body's, in number order", () => {
  assert.deepEqual(variableNames(ORDER), ["1", "2"]);
  assert.deepEqual(variableNames({ body: "{{10}} {{2}} {{1}}", variables: { 3: "x" } }), ["1", "2", "3", "10"]);
  assert.deepEqual(variableNames({}), []);
});

test("search finds templates by name, language and category", () => {
  const all = [ORDER, APPOINTMENT];
  assert.deepEqual(matchTemplates(all, "order"), [ORDER]);
  assert.deepEqual(matchTemplates(all, "ORDER"), [ORDER]);
  assert.deepEqual(matchTemplates(all, "spanish"), [APPOINTMENT]);
  assert.deepEqual(matchTemplates(all, "es"), [APPOINTMENT]);
  assert.deepEqual(matchTemplates(all, "utility"), all);
  assert.deepEqual(matchTemplates(all, "reminder es"), [APPOINTMENT]);
  assert.deepEqual(matchTemplates(all, "  "), all);
  assert.deepEqual(matchTemplates(all, "invoice"), []);
});

test("each template is described in words: language, category and kind", () => {
  assert.equal(languageName("en"), "English (en)");
  assert.equal(languageName("es"), "Spanish (es)");
  assert.equal(languageName(""), "Language not given");
  assert.equal(categoryName("UTILITY"), "Utility");
  assert.equal(categoryName("MARKETING"), "Marketing");
  assert.equal(typeName("twilio/quick-reply"), "Quick reply");
  assert.equal(templateMeta(ORDER), "English (en) · Utility · Text");
  assert.equal(templateMeta(APPOINTMENT), "Spanish (es) · Utility · Quick reply");
});

test("a template refused as not approved reads in plain words; other refusals keep the server's message", () => {
  assert.equal(templateProblem({ code: "template_not_approved", message: "content_sid is not approved" }), NOT_APPROVED_TEXT);
  assert.equal(NOT_APPROVED_TEXT, "This template is not approved for WhatsApp any more; pick another.");
  assert.equal(templateProblem({ code: "twilio_refused", message: "Twilio refused the template." }), "Twilio refused the template.");
});

test("the list is read once for the page, and again after a failure", async () => {
  forgetTemplates();
  let calls = 0;
  let fail = true;
  const api = {
    templates: async () => {
      calls += 1;
      if (fail) throw Object.assign(new Error("Twilio is unavailable."), { status: 502, code: "twilio_unavailable" });
      return { templates: [ORDER, APPOINTMENT, { friendly_name: "no sid" }] };
    },
  };
  await assert.rejects(loadTemplates(api), /Twilio is unavailable/);
  fail = false;
  assert.deepEqual(await loadTemplates(api), [ORDER, APPOINTMENT]);
  assert.deepEqual(await loadTemplates(api), [ORDER, APPOINTMENT]);
  assert.equal(calls, 2, "read again after the failure, then kept");
  forgetTemplates();
  await loadTemplates(api);
  assert.equal(calls, 3);
  forgetTemplates();
});
