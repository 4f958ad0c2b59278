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
    _finish(fig, ax, path, title)


def plot_crack_tip(positions, region, mesh, u_nodes, centre, path: Path, title: str, window_A: float = 45.0) -> None:
    """Atoms (coloured by region) and the deformed mesh around the crack tip, in the x–y plane.

    Parameters
    ----------
    positions : (n, 3) current atom positions, Å
    region : (n,) 0 free, 1 handshake, 2 pad
    mesh : TriangleMesh; u_nodes : (n_nodes, 3) its displacements, Å
    centre : (2,) the tip of the applied K-field, Å
    """
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    deformed = mesh.points + u_nodes[:, :2]
    ax.triplot(deformed[:, 0], deformed[:, 1], mesh.cells, color="0.75", lw=0.3)
    colours = {0: "tab:blue", 1: "tab:orange", 2: "tab:green"}
    names = {0: "free atoms", 1: "handshake (atoms = nodes)", 2: "pad atoms"}
    for label, colour in colours.items():
        mine = region == label
        ax.scatter(positions[mine, 0], positions[mine, 1], s=4, color=colour, label=names[label])
    ax.set_xlim(centre[0] - window_A, centre[0] + window_A)
    ax.set_ylim(centre[1] - window_A, centre[1] + window_A)
    ax.set_aspect("equal")
    ax.set_xlabel("x (Å)")
    ax.set_ylabel("y (Å)")
    _finish(fig, ax, path, title, dpi=130, fontsize=7, loc="upper right", markerscale=3)


def plot_glide(steps: list[dict], path: Path, title: str) -> None:
    """Core displacement and stacking-fault width against the applied resolved shear stress."""
    fig, ax = plt.subplots(figsize=(6, 4))
    tau = [s["shear_stress_MPa"] for s in steps]
    ax.plot(tau, [s["core_displacement_A"] for s in steps], "o-", label="core displacement")
    ax.plot(tau, [s["core"]["stacking_fault_width_A"] for s in steps], "s--", label="stacking-fault width")
    ax.set_xlabel("resolved shear stress τ (MPa)")
    ax.set_ylabel("Å")
    _finish(fig, ax, path, title)


def plot_histogram(values: list[float], path: Path, title: str, xlabel: str, mean: float, ci: tuple) -> None:
    """Histogram of a sample with its mean and 95 % confidence interval of the mean."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.hist(values, bins=max(3, min(12, len(values) // 2)), color="0.7", edgecolor="k")
    ax.axvline(mean, color="k", lw=1.5, label=f"mean {mean:.1f}")
    ax.axvspan(*ci, color="C0", alpha=0.2, label=f"95 % CI [{ci[0]:.1f}, {ci[1]:.1f}]")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("realisations")
    _finish(fig, ax, path, title)


def plot_tip_history(time_ps, tip_x_A, speed_A_per_ps, rayleigh_m_per_s: float, path: Path, title: str,
                     running_m_per_s: float | None = None) -> None:
    """A running crack: tip position (Å) and speed between outputs (m/s) against time (ps),
    with the Rayleigh speed c_R of the crack faces and the running (least-squares) speed."""
    fig, (ax, ax_v) = plt.subplots(2, 1, figsize=(6, 6), sharex=True)
    ax.plot(time_ps, tip_x_A, "o-", ms=3, label="tip position")
    ax.set_ylabel("crack-tip x (Å)")
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=9)
    ax_v.plot(time_ps, [100.0 * s for s in speed_A_per_ps], "s-", ms=3, color="C1", label="tip speed")
    ax_v.axhline(rayleigh_m_per_s, color="k", lw=1, label=f"$c_R$ = {rayleigh_m_per_s:.0f} m/s")
    if running_m_per_s is not None:
        ax_v.axhline(running_m_per_s, color="C1", ls="--", lw=1, label=f"running speed {running_m_per_s:.0f} m/s")
    ax_v.set_xlabel("time (ps)")
    ax_v.set_ylabel("speed (m/s)")
    _finish(fig, ax_v, path, "")


def _finish(fig, ax, path: Path, title: str, dpi: int = 120, **legend) -> None:
    """Title, legend (``legend`` options, default font size 8), save as PNG and close."""
    ax.set_title(title, fontsize=9)
    ax.legend(**{"fontsize": 8, **legend})
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def plot_sweep(statistics: list[dict], x_key: str, group_keys: list[str], quantity: str, path: Path,
               title: str) -> None:
    """``quantity`` against ``x_key``: mean over seeds, sample standard deviation as error bars,
    one line per combination of ``group_keys``. Non-numeric x values are placed in order."""
    xs = [s[x_key] for s in statistics]
    numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs)
    labels = sorted({str(x) for x in xs}, key=[str(x) for x in xs].index)
    fig, ax = plt.subplots(figsize=(6, 4))
    lines: dict[tuple, list[dict]] = {}
    for s in statistics:
        lines.setdefault(tuple(s[k] for k in group_keys), []).append(s)
    for group, points in lines.items():
        points.sort(key=lambda s: s[x_key] if numeric else labels.index(str(s[x_key])))
        x = [p[x_key] if numeric else labels.index(str(p[x_key])) for p in points]
        label = ", ".join(f"{k.rsplit('.', 1)[-1]} = {v}" for k, v in zip(group_keys, group)) or None
        ax.errorbar(x, [p["mean"] for p in points], yerr=[p["std"] for p in points], fmt="o-", capsize=3,
                    label=label)
    if not numeric:
        ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
    ax.set_xlabel(x_key)
    ax.set_ylabel(quantity)
    n = max(s["n"] for s in statistics)
    ax.set_title(f"{Path(title).name}: mean of {n} seed(s), error bars: standard deviation"
                 if n > 1 else Path(title).name, fontsize=9)
    if any(lines) and any(group for group in lines):
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
