"""VTU frames (meshio) and a ParaView ``.pvd`` collection index.

Each frame is a ``.vtu`` file; after every frame the ``.pvd`` index listing all frames
with their times is rewritten atomically (temporary file + ``os.replace``), so a viewer
never reads a half-written index.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import quoteattr

import meshio
import numpy as np
from ase.units import GPa

from ..atomic_write import atomic_write
from .elasticity import element_strains, nodal_average


def frame_data(mesh, material, u, node_region=None, cell_region=None):
    """Point and cell data of a displacement field for a VTU frame.

    Returns ``(point_data, cell_data)`` with displacement (Å, 3 components, float64),
    strain (engineering Voigt xx, yy, zz, yz, xz, xy) and stress (GPa, Voigt) per cell
    and area-weighted at nodes (float32: derived fields, half the file), and the region
    labels: ``node_region`` and ``cell_region`` if given, else the mesh's own (0
    continuum, 1 handshake, 2 atomistic).
    """
    u = np.asarray(u, dtype=float).reshape(mesh.n_nodes, -1)  # dim or 3 (generalised plane strain)
    u3 = np.zeros((mesh.n_nodes, 3))
    u3[:, :u.shape[1]] = u
    strain = element_strains(mesh, u)
    stress = strain @ material.C_lab.T / GPa
    node_region = mesh.node_region if node_region is None else node_region
    cell_region = mesh.cell_region if cell_region is None else cell_region
    point_data = {"displacement": u3, "strain": nodal_average(mesh, strain).astype(np.float32),
                  "stress_GPa": nodal_average(mesh, stress).astype(np.float32),
                  "region": np.asarray(node_region, np.int32)}
    cell_data = {"strain": strain.astype(np.float32), "stress_GPa": stress.astype(np.float32),
                 "region": np.asarray(cell_region, np.int32)}
    return point_data, cell_data


def write_vtu(path, mesh, point_data=None, cell_data=None, origin_A=(0.0, 0.0, 0.0)):
    """Write one mesh with data to ``path`` (.vtu); 2D points get z = 0; every point is
    written at its position plus ``origin_A`` (Å)."""
    pts = np.zeros((mesh.n_nodes, 3))
    pts[:, :mesh.dim] = mesh.points
    pts += np.asarray(origin_A, dtype=float)
    out = meshio.Mesh(pts, [(mesh.cell_type, mesh.cells)], point_data=point_data or {},
                      cell_data={k: [np.asarray(v)] for k, v in (cell_data or {}).items()})
    with atomic_write(path) as tmp:      # a full disk leaves no truncated frame
        out.write(tmp, file_format="vtu")


class VTUSeries:
    """A time series of VTU frames ``<name>_<nnnnn>.vtu`` in ``directory`` and ``<name>.pvd``.

    Parameters
    ----------
    directory : path
        Output directory (created).
    name : str
        Base name of the frames and the index.
    """

    def __init__(self, directory, name: str = "continuum"):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.frames: list[tuple[float, str]] = []

    @property
    def pvd_path(self) -> Path:
        return self.directory / f"{self.name}.pvd"

    def write(self, time: float, mesh, point_data=None, cell_data=None, origin_A=(0.0, 0.0, 0.0)) -> Path:
        """Write a frame at ``time`` and update the ``.pvd`` index; return the frame path.

        ``time`` is what ParaView's time axis shows (a load parameter or a time, the
        caller says which); ``origin_A`` is added to every point (:func:`write_vtu`).
        """
        fname = f"{self.name}_{len(self.frames):05d}.vtu"
        write_vtu(self.directory / fname, mesh, point_data, cell_data, origin_A)
        self.frames.append((float(time), fname))
        self._write_index()
        return self.directory / fname

    @classmethod
    def first_frames(cls, directory, name: str, n: int) -> VTUSeries:
        """The series already in ``directory``, cut back to the first ``n`` frames its
        ``.pvd`` lists: the files of later frames are deleted, the index rewritten."""
        series = cls(directory, name)
        if series.pvd_path.exists():
            listed = ET.parse(series.pvd_path).getroot().findall("./Collection/DataSet")
            series.frames = [(float(d.get("timestep")), d.get("file")) for d in listed][:n]
        keep = {f for _, f in series.frames}
        for stale in series.directory.glob(f"{name}_*.vtu"):
            if stale.name not in keep:
                stale.unlink()
        series._write_index()
        return series

    def _write_index(self):
        lines = ['<?xml version="1.0"?>',
                 '<VTKFile type="Collection" version="0.1" byte_order="LittleEndian">',
                 "  <Collection>"]
        lines += [f'    <DataSet timestep="{t!r}" group="" part="0" file={quoteattr(f)}/>' for t, f in self.frames]
        lines += ["  </Collection>", "</VTKFile>", ""]
        with atomic_write(self.pvd_path) as tmp:
            tmp.write_text("\n".join(lines))
