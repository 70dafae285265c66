// Crew actions as work-order status changes. The server's state machine is the authority (409 on an
// illegal step). A tap first asks for the target directly; only on 409 does it walk the canonical
// forward chain below (open -> assigned -> in_progress -> repaired), one PATCH per step.
export const NEXT = {
  open: ["assigned", "rejected"],
  assigned: ["in_progress", "rejected"],
  in_progress: ["repaired", "rejected"],
  reopened: ["assigned", "rejected"],
  repaired: ["verified", "reopened"],
  verified: [],
  rejected: [],
  merged: [],
};

/** Shortest chain of statuses from `from` to `to` (excluding `from`), or null when unreachable. */
export function pathTo(from, to, next = NEXT) {
  if (from === to) return [];
  const seen = new Set([from]);
  const queue = [[from, []]];
  while (queue.length) {
    const [status, path] = queue.shift();
    for (const step of next[status] ?? []) {
      if (seen.has(step)) continue;
      const chain = [...path, step];
      if (step === to) return chain;
      seen.add(step);
      queue.push([step, chain]);
    }
  }
  return null;
}

/** The actions a caller may take on an order: crews only on their own orders (the server checks too);
 * managers and admins assign first, since a work order needs an assignee before work starts. */
export function actionsFor(order, session) {
  const role = session?.role;
  const status = order.status;
  const isCrew = role === "crew";
  if (isCrew && order.assignee !== session.name) return [];
  const actions = [];
  if (!isCrew && ["open", "reopened", "assigned"].includes(status)) actions.push({ key: "assign", target: "assigned" });
  if (status === "assigned") actions.push({ key: "start", target: "in_progress" });
  if (["assigned", "in_progress"].includes(status)) actions.push({ key: "repaired", target: "repaired" });
  if (["open", "assigned", "in_progress", "reopened"].includes(status)) actions.push({ key: "reject", target: "rejected" });
  return actions;
}

/** Downscale a phone photo to <= max_px on its long side as JPEG base64 (fits the 512 KiB crop cap). */
export async function photoToJpegB64(file, max_px = 1280, quality = 0.8) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, max_px / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close?.();
  const dataUrl = canvas.toDataURL("image/jpeg", quality);
  return dataUrl.slice(dataUrl.indexOf(",") + 1);
}
