"""PNG plots of a run's main curves (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot_k_ramp(steps: list[dict], result, path: Path, title: str) -> None:
    """Crack-tip position against K (loading and unloading), with K_G, K+ and K−."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for branch, style in (("loading", "o-"), ("unloading", "s--")):
        pts = [(s["K_MPa_sqrt_m"], s["tip_x_A"]) for s in steps if s["branch"] == branch and s["tip_x_A"] is not None]
        if pts:
            ax.plot(*zip(*pts), style, label=branch)
    ax.axvline(result.K_G_MPa_sqrt_m, color="k", lw=1, label="$K_G$ (Griffith)")
    for value, name in ((result.K_plus_MPa_sqrt_m, "$K_+$"), (result.K_minus_MPa_sqrt_m, "$K_-$")):
        if value is not None:
            ax.axvline(value, color="grey", ls=":", lw=1)
            ax.text(value, ax.get_ylim()[1], name, ha="center", va="bottom")
    ax.set_xlabel("$K_I$ (MPa m$^{1/2}$)")
    ax.set_ylabel("crack-tip position (Å)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
