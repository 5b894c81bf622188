"""What each visitor's session runs, on every rerun: the page (app.py is the server)."""

from ui.page.main import main

main()
