// Korean and English labels for every string the app shows; chosen from navigator.language, switchable.
const LANG_KEY = "pw.lang";

const MESSAGES = {
  en: {
    app_name: "Pothole Watch",
    skip_to_content: "Skip to content",
    views: "Views",
    tab_queue: "Map and queue",
    tab_manager: "Dashboard",
    tab_settings: "Settings",
    sign_in: "Sign in",
    sign_out: "Sign out",
    signin_title: "Sign in",
    signin_help: "Enter the API key you were given. It is kept only while this tab is open.",
    api_key: "API key",
    key_required: "Enter your API key.",
    key_refused: "This key was refused. Check it and try again.",
    key_no_role: "This key cannot use the crew app (role: {role}).",
    network_error: "Cannot reach the server: {message}",
    refresh: "Refresh",
    map_label: "Map of potholes and districts",
    queue_title: "Repair queue",
    queue_summary: "{count} work orders, in route order",
    queue_empty: "No work orders in the queue.",
    priority: "Priority",
    priority_short: "P{p}",
    due: "Due",
    overdue: "Overdue",
    due_in: "due {when}",
    district_unknown: "District unknown",
    status: "Status",
    "status.open": "Open",
    "status.assigned": "Assigned",
    "status.in_progress": "In progress",
    "status.repaired": "Repaired",
    "status.verified": "Verified",
    "status.rejected": "Not a pothole",
    "status.reopened": "Reopened",
    "status.merged": "Merged into another order",
    "status.candidate": "Candidate",
    "status.confirmed": "Confirmed",
    detail_title: "Pothole #{id}",
    close: "Close",
    photo_alt: "Camera crop of pothole #{id}",
    no_photo: "No photo",
    photo_error: "Photo could not be loaded",
    size: "Estimated size",
    size_value: "{w} m wide × {l} m long",
    size_note: "Depth cannot be measured from one camera frame.",
    size_unknown: "Size not estimated",
    position: "Position",
    uncertainty: "± {m} m",
    seen: "Seen",
    seen_value: "sightings: {n} · patrol passes: {p}",
    first_seen: "First seen",
    last_seen: "Last seen",
    max_confidence: "Highest confidence",
    sightings_over_time: "Sightings over time",
    priority_breakdown: "Why this priority",
    score_total: "Score {score}",
    no_terms: "No score terms recorded.",
    category: "Category",
    work_order: "Work order #{id}",
    history: "Work order history",
    history_empty: "No changes yet.",
    history_row: "{from} → {to}",
    by: "by {who}",
    actions: "Crew actions",
    action_start: "Start work",
    action_repaired: "Mark repaired",
    action_reject: "Not a pothole",
    action_assign: "Assign",
    assignee: "Crew",
    assignee_required: "Choose the crew to assign.",
    crew_pick: "Choose a crew",
    crew_option: "{name} ({id}) · {n} open",
    confirm_assign: "Assign to this crew",
    assigned_to: "Assigned to {who}",
    not_assigned: "Not assigned to a crew yet",
    not_your_order: "This order is assigned to another crew.",
    photo_not_stored: "This server does not store repair photos yet; the note is saved.",
    repair_photo: "Photo of the repair (optional)",
    repair_photo_alt: "Photo taken at the repair",
    note: "Note (optional)",
    reject_reason: "Reason (required)",
    reason_required: "Enter a reason.",
    confirm_repaired: "Save as repaired",
    confirm_reject: "Save as not a pothole",
    cancel: "Cancel",
    updated: "Work order #{id}: {status}",
    update_failed: "Could not update: {message}",
    no_actions: "No crew action is possible in this status.",
    load_failed: "Could not load: {message}",
    legend: "Legend",
    legend_priority: "Colour = priority (1 most urgent)",
    legend_done: "Repaired or verified",
    legend_rejected: "Not a pothole",
    legend_progress: "Dashed ring = in progress",
    districts: "Districts",
    roads: "Roads",
    potholes: "Potholes",
    manager_title: "City dashboard",
    by_district: "Open potholes by district",
    by_status: "Potholes by status",
    by_category: "Open work orders by SLA category",
    by_severity: "Potholes by size",
    "severity.large": "Large (≥ 600 mm)",
    "severity.medium": "Medium (300–600 mm)",
    "severity.small": "Small (200–300 mm)",
    "severity.below": "Below intervention (< 200 mm)",
    "severity.unknown": "Unknown (citizen report)",
    open_overdue: "{n} open work orders past their due time",
    sla: "SLA compliance",
    sla_value: "{pct}% repaired on time",
    sla_none: "No repairs due yet.",
    time_to_repair: "Time to repair",
    ttr_value: "mean {mean} h · p90 {p90} h",
    ttr_none: "No repairs yet.",
    weekly_trend: "Weekly trend",
    new_potholes: "New",
    repaired_potholes: "Repaired",
    week_of: "Week of {date}",
    stats_forbidden: "The dashboard needs a manager or admin key.",
    total: "Total",
    settings_title: "Settings",
    tile_url: "Background map tile URL (optional)",
    tile_url_help: "Leave empty to draw only the city's own layers (works without internet).",
    tile_attribution: "Tile attribution",
    route_from: "Route start (lat,lon, optional)",
    route_from_invalid: "Route start must be two numbers: lat,lon.",
    tile_url_invalid: "The tile URL must start with http:// or https:// and contain {z}, {x} and {y}.",
    save: "Save",
    saved: "Settings saved.",
    signed_in_as: "{name} ({role})",
    my_orders: "My orders",
    "role.crew": "crew",
    "role.manager": "manager",
    "role.admin": "admin",
  },
  ko: {
    app_name: "포트홀 워치",
    skip_to_content: "본문으로 건너뛰기",
    views: "화면",
    tab_queue: "지도와 작업 목록",
    tab_manager: "현황판",
    tab_settings: "설정",
    sign_in: "로그인",
    sign_out: "로그아웃",
    signin_title: "로그인",
    signin_help: "발급받은 API 키를 입력하세요. 이 탭이 열려 있는 동안에만 보관됩니다.",
    api_key: "API 키",
    key_required: "API 키를 입력하세요.",
    key_refused: "키가 거부되었습니다. 확인 후 다시 시도하세요.",
    key_no_role: "이 키로는 작업반 앱을 쓸 수 없습니다 (역할: {role}).",
    network_error: "서버에 연결할 수 없습니다: {message}",
    refresh: "새로 고침",
    map_label: "포트홀과 행정구역 지도",
    queue_title: "보수 작업 목록",
    queue_summary: "작업지시 {count}건, 이동 순서대로",
    queue_empty: "작업 목록이 비어 있습니다.",
    priority: "우선순위",
    priority_short: "{p}순위",
    due: "기한",
    overdue: "기한 초과",
    due_in: "기한 {when}",
    district_unknown: "행정구역 미상",
    status: "상태",
    "status.open": "접수",
    "status.assigned": "배정",
    "status.in_progress": "작업 중",
    "status.repaired": "보수 완료",
    "status.verified": "확인 완료",
    "status.rejected": "포트홀 아님",
    "status.reopened": "재접수",
    "status.merged": "다른 작업지시에 병합",
    "status.candidate": "후보",
    "status.confirmed": "확정",
    detail_title: "포트홀 #{id}",
    close: "닫기",
    photo_alt: "포트홀 #{id} 카메라 사진",
    no_photo: "사진 없음",
    photo_error: "사진을 불러오지 못했습니다",
    size: "추정 크기",
    size_value: "폭 {w} m × 길이 {l} m",
    size_note: "카메라 한 장으로는 깊이를 잴 수 없습니다.",
    size_unknown: "크기 추정 없음",
    position: "위치",
    uncertainty: "± {m} m",
    seen: "발견",
    seen_value: "순찰 {p}회에서 {n}번 발견",
    first_seen: "최초 발견",
    last_seen: "최근 발견",
    max_confidence: "최고 신뢰도",
    sightings_over_time: "날짜별 발견 횟수",
    priority_breakdown: "우선순위 근거",
    score_total: "점수 {score}",
    no_terms: "기록된 점수 항목이 없습니다.",
    category: "등급",
    work_order: "작업지시 #{id}",
    history: "작업지시 이력",
    history_empty: "아직 변경 이력이 없습니다.",
    history_row: "{from} → {to}",
    by: "처리자 {who}",
    actions: "작업반 조치",
    action_start: "작업 시작",
    action_repaired: "보수 완료",
    action_reject: "포트홀 아님",
    action_assign: "배정",
    assignee: "작업반",
    assignee_required: "배정할 작업반을 고르세요.",
    crew_pick: "작업반 선택",
    crew_option: "{name} ({id}) · 진행 중 {n}건",
    confirm_assign: "이 작업반에 배정",
    assigned_to: "배정: {who}",
    not_assigned: "아직 작업반이 배정되지 않았습니다",
    not_your_order: "다른 작업반에 배정된 작업지시입니다.",
    photo_not_stored: "이 서버는 아직 보수 사진을 저장하지 않습니다. 메모는 저장됩니다.",
    repair_photo: "보수 사진 (선택)",
    repair_photo_alt: "보수 현장 사진",
    note: "메모 (선택)",
    reject_reason: "사유 (필수)",
    reason_required: "사유를 입력하세요.",
    confirm_repaired: "보수 완료로 저장",
    confirm_reject: "포트홀 아님으로 저장",
    cancel: "취소",
    updated: "작업지시 #{id}: {status}",
    update_failed: "변경하지 못했습니다: {message}",
    no_actions: "이 상태에서는 작업반 조치가 없습니다.",
    load_failed: "불러오지 못했습니다: {message}",
    legend: "범례",
    legend_priority: "색 = 우선순위 (1이 가장 긴급)",
    legend_done: "보수 완료 또는 확인 완료",
    legend_rejected: "포트홀 아님",
    legend_progress: "점선 테두리 = 작업 중",
    districts: "행정구역",
    roads: "도로",
    potholes: "포트홀",
    manager_title: "시 현황판",
    by_district: "행정구역별 미처리 포트홀",
    by_status: "상태별 포트홀",
    by_category: "처리 등급별 미처리 작업지시",
    by_severity: "크기별 포트홀",
    "severity.large": "대형 (600 mm 이상)",
    "severity.medium": "중형 (300–600 mm)",
    "severity.small": "소형 (200–300 mm)",
    "severity.below": "보수 기준 미만 (200 mm 미만)",
    "severity.unknown": "미상 (시민 신고)",
    open_overdue: "기한이 지난 미처리 작업지시 {n}건",
    sla: "처리 기한 준수율",
    sla_value: "기한 내 보수 {pct}%",
    sla_none: "아직 기한이 된 보수가 없습니다.",
    time_to_repair: "보수 소요 시간",
    ttr_value: "평균 {mean}시간 · 90% {p90}시간",
    ttr_none: "아직 보수 기록이 없습니다.",
    weekly_trend: "주별 추이",
    new_potholes: "신규",
    repaired_potholes: "보수",
    week_of: "{date} 주",
    stats_forbidden: "현황판은 관리자 키가 필요합니다.",
    total: "합계",
    settings_title: "설정",
    tile_url: "배경 지도 타일 주소 (선택)",
    tile_url_help: "비워 두면 시의 자체 레이어만 그립니다 (인터넷 없이 작동).",
    tile_attribution: "타일 저작권 표시",
    route_from: "경로 출발점 (위도,경도, 선택)",
    route_from_invalid: "경로 출발점은 위도,경도 두 숫자여야 합니다.",
    tile_url_invalid: "타일 주소는 http:// 또는 https://로 시작하고 {z}, {x}, {y}를 포함해야 합니다.",
    save: "저장",
    saved: "설정을 저장했습니다.",
    signed_in_as: "{name} ({role})",
    my_orders: "내 작업",
    "role.crew": "작업반",
    "role.manager": "관리자",
    "role.admin": "시스템 관리자",
  },
};

let current = pickInitialLanguage();

function pickInitialLanguage() {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved && saved in MESSAGES) return saved;
  const browser = (navigator.languages && navigator.languages[0]) || navigator.language || "en";
  return browser.toLowerCase().startsWith("ko") ? "ko" : "en";
}

export function language() {
  return current;
}

export function setLanguage(lang) {
  if (!(lang in MESSAGES)) return;
  current = lang;
  localStorage.setItem(LANG_KEY, lang);
  applyStatic(document);
}

/** Translate `key`, filling {name} placeholders from `vars`; an unknown key shows itself (easy to spot). */
export function t(key, vars = {}) {
  const text = MESSAGES[current][key] ?? MESSAGES.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

export function statusLabel(status) {
  return status ? t(`status.${status}`) : "";
}

/** Relabel every element carrying data-i18n (text) or data-i18n-aria (aria-label) under `root`. */
export function applyStatic(root) {
  document.documentElement.lang = current;
  document.title = t("app_name");
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  const sw = document.getElementById("lang-switch");
  if (sw) {
    const other = current === "ko" ? "en" : "ko";
    sw.textContent = other === "ko" ? "한국어" : "English";
    sw.lang = other;
    sw.setAttribute("aria-label", other === "ko" ? "한국어로 보기" : "Switch to English");
  }
}

export function formatDateTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(current === "ko" ? "ko-KR" : "en-GB", {
    dateStyle: "medium", timeStyle: "short",
  }).format(d);
}

export function formatDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(current === "ko" ? "ko-KR" : "en-GB", { month: "short", day: "numeric" }).format(d);
}

/** "in 3 hours" / "2 days ago" in the current language. */
export function formatRelative(iso, now = Date.now()) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const diff_s = (d.getTime() - now) / 1000;
  const rtf = new Intl.RelativeTimeFormat(current === "ko" ? "ko-KR" : "en", { numeric: "auto" });
  const units = [["day", 86400], ["hour", 3600], ["minute", 60]];
  for (const [unit, size_s] of units) {
    if (Math.abs(diff_s) >= size_s || unit === "minute") return rtf.format(Math.round(diff_s / size_s), unit);
  }
  return "";
}

export function formatNumber(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "—";
  return new Intl.NumberFormat(current === "ko" ? "ko-KR" : "en-GB", { maximumFractionDigits: digits })
    .format(Number(value));
}
