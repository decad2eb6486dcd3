"""The status poll's answer (R19, R20): the smallest model, for the most frequent request."""

from core.contract.base import Model


class Progress(Model):
    code: str
    label: str
    labelEn: str


class StatusOut(Model):
    status: str
    statusLabel: str
    statusLabelEn: str
    progress: Progress
    version: int
    updatedAt: str
