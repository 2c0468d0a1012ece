// A mission's page: live telemetry from its Socket.IO room.
import { followTelemetry } from "../lib/telemetry.js";

const panel = document.querySelector("[data-telemetry]");
if (panel && !panel.querySelector(".empty")) followTelemetry(panel.dataset.missionSlug);
