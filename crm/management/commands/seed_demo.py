"""Fill the database with demo data (users with password "demo", clients, contacts, history, tasks)."""

from django.core.management.base import BaseCommand, CommandParser

from crm.demo.seed import seed_demo


class Command(BaseCommand):
    help = (
        "Create realistic demo data: users (password 'demo'), regions, clients with contacts, "
        "two years of interactions and tasks. Does nothing when the demo data is already there."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clients", type=int, default=300, help="How many clients to create (default 300).")
        parser.add_argument("--seed", type=int, default=1, help="Seed of the random generator (default 1).")
        parser.add_argument(
            "--equipment", type=int, default=None, help="Pieces of customer equipment (the equipment app decides)."
        )
        parser.add_argument("--deals", type=int, default=None, help="Deals in the funnel (the funnel app decides).")
        parser.add_argument(
            "--skip-apps",
            default="",
            help="Comma-separated app labels whose demo seeders are not called (e.g. integrations).",
        )
        parser.add_argument(
            "--force-extra",
            action="store_true",
            help="Add --clients more clients even when demo data exists (never deletes anything).",
        )

    def handle(self, *args, **options) -> None:
        if options["clients"] < 0:
            self.stderr.write("--clients must not be negative.")
            return
        result = seed_demo(
            clients=options["clients"],
            seed=options["seed"],
            options={"equipment": options["equipment"], "deals": options["deals"]},
            force_extra=options["force_extra"],
            skip_apps={label.strip() for label in options["skip_apps"].split(",") if label.strip()},
            log=self.stdout.write,
        )
        if result.created:
            for label, count in sorted(result.counts.items()):
                self.stdout.write(f"  {label:<24} {count:>10,}".replace(",", " "))
            self.stdout.write(self.style.SUCCESS(f"Demo data created in {result.seconds:.1f} s."))
        else:
            self.stdout.write(f"Nothing to create ({result.seconds:.1f} s).")
