from django.core.management.base import BaseCommand, CommandError

from events.services.coding import BUNDLED_CODING, CodingFileError, evaluate_suggestions
from events.vocab.plover import CATEGORIES, quad_of
from events.web.guards import unbounded_command


def percent(right: int, total: int) -> str:
    return f"{right}/{total} ({100 * right / total:.0f} %)" if total else "0/0"


class Command(BaseCommand):
    help = (
        "Measure the machine's PLOVER suggestions against the hand-coded events (the bundled coding.csv): "
        "accuracy of the category, by kind, of the quad, mode and direction, and a confusion matrix. "
        "Reads only; needs the bundled data loaded (load_bundled_data)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--coding", default=str(BUNDLED_CODING), help="A hand-coding file (coding.csv format).")
        parser.add_argument("--misses", action="store_true", help="List every event whose category was missed.")

    @unbounded_command
    def handle(self, *, coding, misses, **options):
        try:
            evaluation = evaluate_suggestions(coding)
        except CodingFileError as exc:
            raise CommandError(f"Load the bundled data first (manage.py load_bundled_data):\n{exc}") from exc
        write = self.stdout.write
        trials = evaluation.trials
        write(f"Hand-coded events: {len(trials)}")
        write(f"Category accuracy: {percent(*evaluation.accuracy())}")
        write(f"Quad accuracy: {percent(*evaluation.accuracy(part=lambda c: quad_of(c[0])))}")
        write(f"Category and mode: {percent(*evaluation.accuracy(part=lambda c: c[:2]))}")
        write(f"Actor: {percent(*evaluation.accuracy(part=lambda c: c[2]))}")
        write(f"Actor and target: {percent(*evaluation.accuracy(part=lambda c: c[2:]))}")
        write("")
        write("By kind (category):")
        for kind, group in evaluation.by_kind().items():
            write(f"  {kind:<15} {percent(*evaluation.accuracy(group))}")
        write("")
        confusion = evaluation.confusion()
        used = [c for c in CATEGORIES if any(c in pair for pair in confusion)]
        write("Confusion matrix (rows: hand coding; columns: suggested):")
        width = max(len(c) for c in used) + 1
        write(" " * width + "".join(f"{c[:5]:>6}" for c in used))
        for hand in used:
            cells = "".join(f"{confusion.get((hand, suggested), 0) or '.':>6}" for suggested in used)
            write(f"{hand:<{width}}{cells}")
        if misses:
            write("")
            write("Missed categories:")
            for trial in trials:
                if trial.hand[0] != trial.suggested[0]:
                    write(f"  {trial.kind}: {trial.title[:90]}")
                    write(
                        f"    hand {'/'.join(filter(None, trial.hand[:2]))}, suggested "
                        f"{'/'.join(filter(None, trial.suggested[:2]))} ({trial.reason})"
                    )
