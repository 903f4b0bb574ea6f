import reflex as rx


def index() -> rx.Component:
    return rx.el.main(rx.el.h1("Doorstep"), rx.el.p("hello"))


app = rx.App()
app.add_page(index, route="/")
