from .library import (
    Difficulty,
    Dosage,
    Equipment,
    Exercise,
    ExerciseImage,
    ExerciseSettings,
    ProgramTemplate,
    Region,
)
from .programs import (
    PainFlag,
    Prescription,
    Program,
    ProgramEmail,
    ProgramPhase,
    ProgramVersion,
    SessionLog,
)

__all__ = [
    "Difficulty",
    "Dosage",
    "Equipment",
    "Exercise",
    "ExerciseImage",
    "ExerciseSettings",
    "PainFlag",
    "Prescription",
    "Program",
    "ProgramEmail",
    "ProgramPhase",
    "ProgramTemplate",
    "ProgramVersion",
    "Region",
    "SessionLog",
]
