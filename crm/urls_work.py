"""URLs of interactions, tasks and notifications (included into the "crm" namespace)."""

from django.urls import path

from crm.views import interactions, notifications, tasks

urlpatterns: list = [
    path("clients/<int:client_id>/interactions/new/", interactions.interaction_create, name="interaction_create"),
    path("attachments/<int:pk>/", interactions.attachment_download, name="attachment_download"),
    path("tasks/", tasks.task_list, name="task_list"),
    path("tasks/new/", tasks.task_create_view, name="task_create"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task_detail"),
    path("tasks/<int:pk>/complete/", tasks.task_complete_view, name="task_complete"),
    path("tasks/<int:pk>/reopen/", tasks.task_reopen_view, name="task_reopen"),
    path("tasks/<int:pk>/cancel/", tasks.task_cancel_view, name="task_cancel"),
    path("tasks/<int:pk>/postpone/", tasks.task_postpone_view, name="task_postpone"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path("notifications/bell/", notifications.notification_bell, name="notification_bell"),
    path("notifications/read-all/", notifications.notification_read_all, name="notification_read_all"),
    path("notifications/<int:pk>/read/", notifications.notification_read, name="notification_read"),
]
