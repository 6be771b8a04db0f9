from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import DateTime, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from twin.db import STORAGE_SRID, Base


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    # 统一社会信用代码: 18 characters, GB 32100-2015.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    # Projected CRS for metric work at this site (a CGCS2000 3-degree Gauss-Krüger zone).
    metric_srid: Mapped[int] = mapped_column(Integer)
    # People within 500 m outside the boundary: GB 18218's α for every hazard source here.
    people_outside_500m: Mapped[int] = mapped_column(Integer, server_default="0")
    boundary: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=STORAGE_SRID, spatial_index=True)
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
