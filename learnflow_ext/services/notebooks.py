"""The course's notebooks as a student gets them, to open in their own workspace.

A lesson's notebook is the course's, without outputs, so the student runs each cell
themselves. An exercise's notebook is built from what a student may see: the prompt
and the starter code, never the hidden tests or the reference solution. Both carry the
``learnflow`` metadata that tells the JupyterLab extension what the notebook is.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import nbformat

from ..models import Exercise, Lesson

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def lesson_notebook_json(notebook: Any) -> str:
    """Return a lesson notebook, read by nbformat, as JSON without outputs."""
    clean = copy.deepcopy(notebook)
    for cell in clean.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nbformat.writes(clean)


def lesson_notebook(lesson: Lesson) -> dict[str, Any]:
    """Return the notebook of a stored lesson, its metadata naming the lesson and module."""
    notebook = json.loads(lesson.notebook)
    facts = notebook.setdefault("metadata", {}).setdefault("learnflow", {})
    facts.update(kind="lesson", id=lesson.id, module_id=lesson.module_id)
    return notebook


def exercise_notebook(exercise: Exercise) -> dict[str, Any]:
    """Return a notebook holding an exercise's prompt and starter code, and nothing else."""
    prompt = nbformat.v4.new_markdown_cell(
        exercise.prompt, metadata={"learnflow": {"role": "prompt"}}
    )
    starter = nbformat.v4.new_code_cell(
        exercise.starter_code, metadata={"learnflow": {"role": "starter"}}
    )
    notebook = nbformat.v4.new_notebook(
        cells=[prompt, starter],
        metadata={
            "kernelspec": KERNELSPEC,
            "language_info": {"name": "python"},
            "learnflow": {
                "kind": "exercise",
                "id": exercise.id,
                "module_id": exercise.module_id,
                "title": exercise.title,
                "topic": exercise.topic,
                "difficulty": exercise.difficulty,
            },
        },
    )
    return json.loads(nbformat.writes(notebook))
