<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>HomePage</name>
    <message numerus="yes">
        <source>%n wrong passphrase(s) tried since you last unlocked. If that was not you, tell your supervisor.</source>
        <translation>
            <numerusform>%n wrong passphrase tried since you last unlocked. If that was not you, tell your supervisor.</numerusform>
            <numerusform>%n wrong passphrases tried since you last unlocked. If that was not you, tell your supervisor.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n child(ren)</source>
        <translation>
            <numerusform>%n child</numerusform>
            <numerusform>%n children</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>UnlockPage</name>
    <message numerus="yes">
        <source>%n record(s) not submitted: kept on this device, encrypted, until you submit.</source>
        <translation>
            <numerusform>%n record not submitted: kept on this device, encrypted, until you submit.</numerusform>
            <numerusform>%n records not submitted: kept on this device, encrypted, until you submit.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Warning: %n more wrong passphrase(s) will destroy every record on this device that has not reached the hub.</source>
        <translation>
            <numerusform>Warning: %n more wrong passphrase will destroy every record on this device that has not reached the hub.</numerusform>
            <numerusform>Warning: %n more wrong passphrases will destroy every record on this device that has not reached the hub.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>safeguard::ui::HomeController</name>
    <message numerus="yes">
        <source>%n record(s) not submitted: only on this device until you submit</source>
        <translation>
            <numerusform>%n record not submitted: only on this device until you submit</numerusform>
            <numerusform>%n records not submitted: only on this device until you submit</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n record(s) only on this device, waiting to send</source>
        <translation>
            <numerusform>%n record only on this device, waiting to send</numerusform>
            <numerusform>%n records only on this device, waiting to send</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n record(s) need correction</source>
        <translation>
            <numerusform>%n record needs correction</numerusform>
            <numerusform>%n records need correction</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Not connected to a hub yet: %n record(s) only on this device</source>
        <translation>
            <numerusform>Not connected to a hub yet: %n record only on this device</numerusform>
            <numerusform>Not connected to a hub yet: %n records only on this device</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The hub no longer accepts this device: enrol it again. %n record(s) kept, waiting to send</source>
        <translation>
            <numerusform>The hub no longer accepts this device: enrol it again. %n record kept, waiting to send</numerusform>
            <numerusform>The hub no longer accepts this device: enrol it again. %n records kept, waiting to send</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Offline: %n record(s) only on this device, waiting to send</source>
        <translation>
            <numerusform>Offline: %n record only on this device, waiting to send</numerusform>
            <numerusform>Offline: %n records only on this device, waiting to send</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Sending %n record(s) to the hub…</source>
        <translation>
            <numerusform>Sending %n record to the hub…</numerusform>
            <numerusform>Sending %n records to the hub…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The hub cannot be reached; trying again. %n record(s) waiting to send</source>
        <translation>
            <numerusform>The hub cannot be reached; trying again. %n record waiting to send</numerusform>
            <numerusform>The hub cannot be reached; trying again. %n records waiting to send</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Will connect to the hub when it can be reached: %n record(s) only on this device</source>
        <translation>
            <numerusform>Will connect to the hub when it can be reached: %n record only on this device</numerusform>
            <numerusform>Will connect to the hub when it can be reached: %n records only on this device</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The hub settings on this device were changed outside the app, so nothing is sent. Enrol it again with a new code. %n record(s) kept, waiting to send</source>
        <translation>
            <numerusform>The hub settings on this device were changed outside the app, so nothing is sent. Enrol it again with a new code. %n record kept, waiting to send</numerusform>
            <numerusform>The hub settings on this device were changed outside the app, so nothing is sent. Enrol it again with a new code. %n records kept, waiting to send</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Not sent: %n urgent record(s), only on this device. Press Sync now; if this stays, phone the safeguarding hub with the police reference.</source>
        <translation>
            <numerusform>Not sent: %n urgent record, only on this device. Press Sync now; if this stays, phone the safeguarding hub with the police reference.</numerusform>
            <numerusform>Not sent: %n urgent records, only on this device. Press Sync now; if this stays, phone the safeguarding hub with the police reference.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Sending paused after a fault; trying again in 15 minutes, or press Sync now. %n record(s) waiting to send</source>
        <translation>
            <numerusform>Sending paused after a fault; trying again in 15 minutes, or press Sync now. %n record waiting to send</numerusform>
            <numerusform>Sending paused after a fault; trying again in 15 minutes, or press Sync now. %n records waiting to send</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>safeguard::ui::RecordEditor</name>
    <message numerus="yes">
        <source> (%n question(s) unanswered)</source>
        <translation>
            <numerusform> (%n question unanswered)</numerusform>
            <numerusform> (%n questions unanswered)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n item(s) still needed before this record can be submitted.</source>
        <translation>
            <numerusform>%n item still needed before this record can be submitted.</numerusform>
            <numerusform>%n items still needed before this record can be submitted.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>safeguard::ui::UnlockController</name>
    <message numerus="yes">
        <source>That passphrase is not right. %n attempt(s) left.</source>
        <translation>
            <numerusform>That passphrase is not right. %n attempt left.</numerusform>
            <numerusform>That passphrase is not right. %n attempts left.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message numerus="yes">
        <source>%n record(s) not submitted. Drafts stay on this device, encrypted, and go nowhere until you submit them.</source>
        <translation>
            <numerusform>%n record not submitted. Drafts stay on this device, encrypted, and go nowhere until you submit them.</numerusform>
            <numerusform>%n records not submitted. Drafts stay on this device, encrypted, and go nowhere until you submit them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n record(s) not submitted.</source>
        <translation>
            <numerusform>%n record not submitted.</numerusform>
            <numerusform>%n records not submitted.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>safeguard::ui::typedinput</name>
    <message numerus="yes">
        <source>%n month(s)</source>
        <translation>
            <numerusform>%n month</numerusform>
            <numerusform>%n months</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n year(s)</source>
        <translation>
            <numerusform>%n year</numerusform>
            <numerusform>%n years</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RecordPage</name>
    <message numerus="yes">
        <source>Not saved: %n answer(s) could not be read</source>
        <translation>
            <numerusform>Not saved: %n answer could not be read</numerusform>
            <numerusform>Not saved: %n answers could not be read</numerusform>
        </translation>
    </message>
</context>
</TS>
