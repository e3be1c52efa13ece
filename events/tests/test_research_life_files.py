"""The bundled commitments, readouts, status rows and links name real events and real sources.

docs/research/check_life.py is the research's own check (every referenced event exists with
that date and title, every stage/status/relation is in its vocabulary, every URL was one the
research retrieved); this keeps it passing as the event files change.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_research_files_pass_their_check():
    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "research" / "check_life.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 problems; 10 meetings with readouts" in result.stdout
