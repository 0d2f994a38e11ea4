"""Streets, grids and the enterprises (premises) they hold."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Street(Base):
    __tablename__ = "streets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    # The street safety office's phone, printed on placards.
    office_phone: Mapped[str | None] = mapped_column(String(40))

    grids: Mapped[list[Grid]] = relationship(back_populates="street", order_by="Grid.code")

    def __repr__(self) -> str:
        return f"<Street {self.name}>"


class Grid(Base):
    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(60))

    street: Mapped[Street] = relationship(back_populates="grids")

    def __repr__(self) -> str:
        return f"<Grid {self.code}>"


class Enterprise(Base):
    __tablename__ = "enterprises"
    __table_args__ = (Index("ix_enterprises_street_grid", "street_id", "grid_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    # 统一社会信用代码; optional because some small venues are registered late.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    industry: Mapped[str] = mapped_column(String(40), index=True)
    size_class: Mapped[str] = mapped_column(String(20))
    venue_type: Mapped[str | None] = mapped_column(String(30), index=True)
    standardization: Mapped[str] = mapped_column(String(20), default="none")
    stars: Mapped[int | None] = mapped_column(Integer)
    risk_color: Mapped[str] = mapped_column(String(10), default="yellow")
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    employees: Mapped[int | None] = mapped_column(Integer)
    # Personal data: shown to staff in scope only, never on public pages.
    principal_name: Mapped[str | None] = mapped_column(String(40))
    principal_phone: Mapped[str | None] = mapped_column(String(40))
    safety_officer_name: Mapped[str | None] = mapped_column(String(40))
    safety_officer_phone: Mapped[str | None] = mapped_column(String(40))
    # 一企多租: a landlord premises sublet to tenants (Work Safety Law Art. 49).
    hosts_tenants: Mapped[bool] = mapped_column(Boolean, default=False)
    landlord_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    # 四类市场主体 (plan 四(一)): 新办企业 and 商贸企业 are flags; 小微企业 is size_class
    # small_micro and 九小场所 a venue_type, so those two are never stored twice.
    new_business: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    trade: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The placard's capability token (QR link /q/<token>); null when revoked.
    public_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    public_token_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)

    street: Mapped[Street] = relationship()
    grid: Mapped[Grid | None] = relationship()
    landlord: Mapped[Enterprise | None] = relationship(remote_side=[id], back_populates="tenants")
    tenants: Mapped[list[Enterprise]] = relationship(back_populates="landlord")

    # The names list queries read as labelled columns (`enterprises.ROW_COLUMNS`), so a
    # template or serializer takes a list row and a loaded Enterprise alike.
    @property
    def street_name(self) -> str:
        return self.street.name

    @property
    def street_phone(self) -> str | None:
        return self.street.office_phone

    @property
    def grid_code(self) -> str | None:
        return self.grid.code if self.grid else None

    @property
    def grid_name(self) -> str | None:
        return self.grid.name if self.grid else None

    @property
    def market_categories(self) -> list[str]:
        """The 四类市场主体 this premises belongs to, in the plan's order."""
        return [
            label
            for label, held in (
                ("新办企业", self.new_business),
                ("商贸企业", self.trade),
                ("小微企业", self.size_class == "small_micro"),
                ("九小场所", bool(self.venue_type)),
            )
            if held
        ]

    def __repr__(self) -> str:
        return f"<Enterprise {self.id} {self.name}>"


class EnterpriseChange(Base):
    """One row per change of an enterprise record: who, when, what changed."""

    __tablename__ = "enterprise_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Who acted when no user did (a CLI import, the demo builder).
    actor_label: Mapped[str] = mapped_column(String(60), default="")
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict] = mapped_column(JSON)

    actor = relationship("User")


class EnterpriseGram(Base):
    """One two-character piece of a premises' name or address: the register search's index.

    A query's bigrams narrow the register to the premises holding all of them through
    the primary key; the substring test then runs on those few. Kept in step with the
    enterprise in the same flush (`fieldapp.search`).
    """

    __tablename__ = "enterprise_grams"

    gram: Mapped[str] = mapped_column(String(2), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True, index=True
    )
