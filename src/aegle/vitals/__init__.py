"""Capability: device series, clinical metrics, alerts, charts. Pure engine (no I/O).

- `cgm`: CGM metrics matching R iglu 4.2.2 (`compute_all` / `compute_with_roc` keyed by iglu
  column names; `read_cgm_table` for id,time,gl CSV text; `day_by_day` grid; MAGE, episodes).
- `targets`: judge CGM data against the consensus targets per group (`assess`).
- `bp`: blood-pressure averages, morning/evening, CN 2024 / ACC-AHA 2017 classes, variability.
- `sleep`, `heart`, `weight`: sleep duration/efficiency/timing/SRI, resting HR and HRV, BMI and
  weight trend.
- `alerts`: alert rules as data (glucose episodes, very high BP, high home average) with
  deduplication and quiet periods; delivery is the caller's.
- `charts`: AGP and trend charts as SVG.

Thresholds and texts live in `knowledge/*.yaml` with their sources, loaded strictly.
"""
