// Pure-module tests (node --test): the queue/pothole normalisers and the crew workflow.
import { test } from "node:test";
import assert from "node:assert/strict";
import { districtName, displayStatus, potholesFrom, queueFrom } from "../src/js/model.js";
import { actionsFor, pathTo } from "../src/js/workflow.js";

const ORDER = { id: 7, pothole_id: 3, status: "assigned", priority: 2, category: "cat1", due_at: "2026-11-26T10:00:00Z",
  score: 60, score_terms: [{ points: 20, reason: "bus stop" }], assignee: "crew-1", lat: 37.2, lon: 127.03, rank: 1 };

test("queue items that are work orders become potholes carrying their order", () => {
  const [p] = queueFrom({ items: [ORDER], count: 1, route: null });
  assert.equal(p.id, 3);
  assert.equal(p.order.id, 7);
  assert.equal(p.order.assignee, "crew-1");
  assert.deepEqual([p.lat, p.lon], [37.2, 127.03]);
  assert.equal(displayStatus(p), "assigned");
});

test("GeoJSON queue and pothole collections read [lon, lat] from the geometry", () => {
  const feature = { type: "Feature", id: 3, geometry: { type: "Point", coordinates: [127.03, 37.2] },
    properties: { id: 3, status: "confirmed", context: { district: { name: "병점1동", name_eng: "Byeongjeom1-dong" } },
      work_order: { ...ORDER, id: 7 } } };
  const [p] = potholesFrom({ type: "FeatureCollection", features: [feature] });
  assert.deepEqual([p.lat, p.lon], [37.2, 127.03]);
  assert.equal(p.order.id, 7);
  assert.equal(districtName(p.context, "en"), "Byeongjeom1-dong");
  assert.equal(districtName(p.context, "ko"), "병점1동");
});

test("the workflow walks the server's canonical chain", () => {
  assert.deepEqual(pathTo("open", "in_progress"), ["assigned", "in_progress"]);
  assert.deepEqual(pathTo("assigned", "repaired"), ["in_progress", "repaired"]);
  assert.equal(pathTo("verified", "repaired"), null);
});

test("a crew acts only on its own orders; managers assign", () => {
  const crew = { name: "crew-1", role: "crew" };
  assert.deepEqual(actionsFor({ status: "assigned", assignee: "crew-1" }, crew).map((a) => a.key), ["start", "repaired", "reject"]);
  assert.deepEqual(actionsFor({ status: "assigned", assignee: "crew-2" }, crew), []);
  assert.deepEqual(actionsFor({ status: "in_progress", assignee: "crew-1" }, crew).map((a) => a.key), ["repaired", "reject"]);
  const manager = { name: "m", role: "manager" };
  assert.deepEqual(actionsFor({ status: "open", assignee: null }, manager).map((a) => a.key), ["assign", "reject"]);
  assert.deepEqual(actionsFor({ status: "repaired", assignee: "crew-1" }, manager), []);
});
