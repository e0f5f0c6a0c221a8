from diktat.cli import app

app(prog_name="diktat")
