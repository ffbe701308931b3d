from qjnet.cli import run

run()
